#include "util/date_time.hpp"

#include <array>
#include <cctype>
#include <ctime>
#include <string>

namespace conductor::detail {
namespace {

/// A cursor over ASCII text; Java's `\s` and `\d` are ASCII-only, so these are too.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool done() const { return pos_ == text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }

  void skip_spaces() {
    while (!done() && is_space(text_[pos_])) ++pos_;
  }

  bool consume(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  /// Digits as a number, nullopt when there are none or the value does not fit a Java int.
  std::optional<std::int64_t> number() {
    std::size_t start = pos_;
    std::int64_t value = 0;
    while (!done() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      value = value * 10 + (text_[pos_] - '0');
      if (value > 2147483647) return std::nullopt;
      ++pos_;
    }
    if (pos_ == start) return std::nullopt;
    return value;
  }

  /// The run of ASCII letters at the cursor, lower-cased.
  std::string word() {
    std::string out;
    while (!done() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(text_[pos_])));
      ++pos_;
    }
    return out;
  }

  std::string_view rest() const { return text_.substr(pos_); }

 private:
  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

  std::string_view text_;
  std::size_t pos_ = 0;
};

struct DurationUnit {
  std::array<std::string_view, 5> names;
  std::int64_t seconds;
};

// In the only order the parts may appear.
constexpr std::array<DurationUnit, 4> kDurationUnits{{
    {{"d", "day", "days"}, 86400},
    {{"h", "hr", "hrs", "hour", "hours"}, 3600},
    {{"m", "min", "mins", "minute", "minutes"}, 60},
    {{"s", "sec", "secs", "second", "seconds"}, 1},
}};

std::optional<std::size_t> unit_index(const std::string& word) {
  for (std::size_t i = 0; i < kDurationUnits.size(); ++i) {
    for (std::string_view name : kDurationUnits[i].names) {
      if (!name.empty() && name == word) return i;
    }
  }
  return std::nullopt;
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm); the month is
/// normalised first so that lenient input rolls over.
std::int64_t days_from_civil(std::int64_t year, std::int64_t month, std::int64_t day) {
  std::int64_t month0 = month - 1;
  year += month0 >= 0 ? month0 / 12 : (month0 - 11) / 12;
  month0 = ((month0 % 12) + 12) % 12;
  std::int64_t m = month0 + 1;
  std::int64_t y = m <= 2 ? year - 1 : year;
  std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  std::int64_t yoe = y - era * 400;
  std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
  std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468 + (day - 1);
}

/// Offset east of UTC in seconds for `UTC`, `GMT`, `GMT+h[h][:mm]` and `+hhmm` (Java's general and
/// RFC 822 zones, without zone names); nullopt otherwise.
std::optional<std::int64_t> zone_offset_seconds(std::string_view zone) {
  auto upper = [](std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
  };
  std::string z = upper(zone);
  if (z == "UTC" || z == "GMT") return 0;
  bool named = z.rfind("GMT", 0) == 0;
  std::string_view offset = std::string_view(z).substr(named ? 3 : 0);
  if (offset.empty() || (offset[0] != '+' && offset[0] != '-')) return std::nullopt;
  int sign = offset[0] == '-' ? -1 : 1;
  std::string digits;
  for (char c : offset.substr(1)) {
    if (c == ':' && named) continue;
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    digits += c;
  }
  std::int64_t hours = 0;
  std::int64_t minutes = 0;
  if (named && (digits.size() == 1 || digits.size() == 2)) {
    hours = std::stoi(digits);
  } else if (digits.size() == 4 || (named && digits.size() == 3)) {
    hours = std::stoi(digits.substr(0, digits.size() - 2));
    minutes = std::stoi(digits.substr(digits.size() - 2));
  } else {
    return std::nullopt;
  }
  if (hours > 23 || minutes > 59) return std::nullopt;
  return sign * (hours * 3600 + minutes * 60);
}

/// `seconds` in milliseconds; nullopt when a year far out (up to 2^31) takes it past what epoch
/// milliseconds can hold.
std::optional<EpochMillis> to_millis(std::int64_t seconds) {
  EpochMillis millis = 0;
  if (__builtin_mul_overflow(seconds, EpochMillis{1000}, &millis)) return std::nullopt;
  return millis;
}

}  // namespace

std::optional<std::int64_t> parse_duration_seconds(std::string_view text) {
  Scanner in(text);
  std::int64_t total = 0;
  std::size_t next_unit = 0;
  in.skip_spaces();
  while (!in.done()) {
    auto amount = in.number();
    if (!amount) return std::nullopt;
    in.skip_spaces();
    auto unit = unit_index(in.word());
    if (!unit || *unit < next_unit) return std::nullopt;
    total += *amount * kDurationUnits[*unit].seconds;
    next_unit = *unit + 1;
    in.skip_spaces();
  }
  return total;
}

std::optional<EpochMillis> parse_date_time_ms(std::string_view text) {
  Scanner in(text);
  auto year = in.number();
  if (!year || !in.consume('-')) return std::nullopt;
  auto month = in.number();
  if (!month || !in.consume('-')) return std::nullopt;
  auto day = in.number();
  if (!day) return std::nullopt;
  std::int64_t hour = 0;
  std::int64_t minute = 0;
  std::optional<std::int64_t> offset;
  if (!in.done()) {
    if (!in.consume(' ')) return std::nullopt;
    auto h = in.number();
    if (!h || !in.consume(':')) return std::nullopt;
    auto m = in.number();
    if (!m) return std::nullopt;
    hour = *h;
    minute = *m;
    if (!in.done()) {
      if (!in.consume(' ')) return std::nullopt;
      offset = zone_offset_seconds(in.rest());
      if (!offset) return std::nullopt;
    }
  }
  if (offset) {
    return to_millis(days_from_civil(*year, *month, *day) * 86400 + hour * 3600 + minute * 60 - *offset);
  }
  // mktime applies the process's zone and its daylight-saving rules, and normalises out-of-range
  // fields the same lenient way.
  std::tm local{};
  local.tm_year = static_cast<int>(*year - 1900);
  local.tm_mon = static_cast<int>(*month - 1);
  local.tm_mday = static_cast<int>(*day);
  local.tm_hour = static_cast<int>(hour);
  local.tm_min = static_cast<int>(minute);
  local.tm_isdst = -1;
  std::time_t seconds = std::mktime(&local);
  if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
  return to_millis(seconds);
}

}  // namespace conductor::detail
