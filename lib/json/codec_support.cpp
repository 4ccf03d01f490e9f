#include "json/fields.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>

#include <algorithm>

#include <charconv>
#include <chrono>
#include <cmath>

namespace conductor {
namespace detail {
namespace {

// Echo of a rejected scalar for FieldViolation::invalid_value; containers are not echoed (Conductor
// omits invalidValue for objects).
std::string render_invalid(const Json& value) {
  if (value.is_string()) return std::string(value.get_string());
  if (value.is_object() || value.is_array()) return {};
  return boost::json::serialize(value);
}

// Reads exactly `width` digits at `pos`; false when they are not all digits.
bool read_digits(std::string_view text, std::size_t pos, std::size_t width, int& out) {
  if (pos + width > text.size()) return false;
  const char* first = text.data() + pos;
  const auto [end, ec] = std::from_chars(first, first + width, out);
  return ec == std::errc() && end == first + width;
}

template <class J>
void append_with_serializer(std::string& out, const J& json) {
  boost::json::serializer serializer;
  serializer.reset(&json);
  char buffer[4096];
  while (!serializer.done()) {
    const auto part = serializer.read(buffer);
    out.append(part.data(), part.size());
  }
}

std::string index_segment(std::size_t index) { return '[' + std::to_string(index) + ']'; }

// Places `path` under `segment`: a key or index, joined with '.' unless the path starts with an index.
void prepend_path(std::string& path, std::string segment) {
  if (!path.empty() && path.front() != '[') segment += '.';
  path.insert(0, segment);
}

}  // namespace

DecodeError::DecodeError(std::string message, const Json& value)
    : violation_{std::string(), std::move(message), render_invalid(value)} {}

void DecodeError::prepend(std::string segment) { prepend_path(violation_.path, std::move(segment)); }

void DecodeError::prepend_key(std::string_view key) { prepend(std::string(key)); }

void DecodeError::prepend_index(std::size_t index) { prepend(index_segment(index)); }

void DecodeError::prepend_map_key(std::string_view key) {
  std::string segment;
  segment.reserve(key.size() + 2);
  segment += '[';
  segment += key;
  segment += ']';
  prepend(std::move(segment));
}

const JsonObject& Decoder::expect_object(const Json& json) {
  if (!json.is_object()) throw DecodeError("expected object", json);
  return json.get_object();
}

std::int64_t decode_integer(const Json& json, std::int64_t min, std::int64_t max) {
  std::int64_t result = 0;
  if (json.is_int64()) {
    result = json.get_int64();
  } else if (json.is_uint64()) {
    if (json.get_uint64() > static_cast<std::uint64_t>(max)) throw DecodeError("integer out of range", json);
    result = static_cast<std::int64_t>(json.get_uint64());
  } else if (json.is_double()) {
    // Jackson accepts 3.0 for an int field; fractions and values beyond int64 are errors.
    const double d = json.get_double();
    constexpr double kTwoPow63 = 9223372036854775808.0;
    if (std::trunc(d) != d) throw DecodeError("expected integer", json);
    if (d < -kTwoPow63 || d >= kTwoPow63) throw DecodeError("integer out of range", json);
    result = static_cast<std::int64_t>(d);
  } else {
    throw DecodeError("expected integer", json);
  }
  if (result < min || result > max) throw DecodeError("integer out of range", json);
  return result;
}

std::string format_iso_time(std::int64_t epoch_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> time{milliseconds{epoch_ms}};
  const auto day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss clock{time - day};
  // Summaries render several times per task change: digits by hand rather than through printf. The
  // format has four digits of year; times outside years 0 to 9999 are clamped to them.
  std::string text = "0000-00-00T00:00:00.000Z";
  const auto put = [&text](std::size_t end, std::size_t width, long long value) {
    for (std::size_t i = end; i > end - width; value /= 10) text[--i] = static_cast<char>('0' + value % 10);
  };
  put(4, 4, std::clamp(static_cast<int>(date.year()), 0, 9999));
  put(7, 2, static_cast<unsigned>(date.month()));
  put(10, 2, static_cast<unsigned>(date.day()));
  put(13, 2, clock.hours().count());
  put(16, 2, clock.minutes().count());
  put(19, 2, clock.seconds().count());
  put(23, 3, clock.subseconds().count());
  return text;
}

std::optional<std::int64_t> parse_iso_time(std::string_view text) {
  // yyyy-MM-ddTHH:mm:ss[.SSS]Z
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (!read_digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' || !read_digits(text, 5, 2, month) ||
      text[7] != '-' || !read_digits(text, 8, 2, day) || text[10] != 'T' || !read_digits(text, 11, 2, hour) ||
      text[13] != ':' || !read_digits(text, 14, 2, minute) || text[16] != ':' || !read_digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  if (text[pos] == '.') {
    if (!read_digits(text, pos + 1, 3, millis)) return std::nullopt;
    pos += 4;
  }
  if (pos + 1 != text.size() || text[pos] != 'Z') return std::nullopt;
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const auto time = sys_days{date} + hours{hour} + minutes{minute} + seconds{second} + milliseconds{millis};
  return time.time_since_epoch().count();
}

void append_serialized(std::string& out, const Json& json) { append_with_serializer(out, json); }

void append_serialized(std::string& out, const JsonObject& object) { append_with_serializer(out, object); }

void append_string(std::string& out, std::string_view text) {
  // Boost.JSON's escapes: the short forms where JSON has them, \u00xx for other control characters;
  // everything else, UTF-8 included, is copied as it is.
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain_from = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text, plain_from, i - plain_from);
    plain_from = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out.append(text, plain_from);
  out += '"';
}

std::vector<FieldViolation> violations_at_index(const ValidationError& error, std::size_t index) {
  std::vector<FieldViolation> violations = error.violations();
  if (violations.empty()) violations.push_back({"", error.what(), ""});
  for (auto& violation : violations) prepend_path(violation.path, index_segment(index));
  return violations;
}

Json parse_json_text(std::string_view text, boost::json::storage_ptr storage) {
  boost::system::error_code ec;
  Json json = boost::json::parse(boost::json::string_view(text.data(), text.size()), ec, std::move(storage));
  if (ec) throw ValidationError("Invalid JSON: " + ec.message());
  return json;
}

}  // namespace detail

Json parse_json_text(std::string_view text) { return detail::parse_json_text(text, {}); }

std::string to_json_text(const Json& json) { return boost::json::serialize(json); }

}  // namespace conductor
