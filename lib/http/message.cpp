#include "http/message.hpp"

#include "util/utf8.hpp"

#include <conductor/codec.hpp>
#include <conductor/error.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace conductor::http {
namespace {

constexpr std::array<std::pair<Method, std::string_view>, 7> kMethodNames{{
    {Method::kGet, "GET"},
    {Method::kHead, "HEAD"},
    {Method::kPost, "POST"},
    {Method::kPut, "PUT"},
    {Method::kDelete, "DELETE"},
    {Method::kPatch, "PATCH"},
    {Method::kOptions, "OPTIONS"},
}};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Percent-decodes `text`; in a query `+` stands for a space (form encoding, as servlet
/// containers read it), in a path it is literal. Bytes that are not UTF-8 become U+FFFD, as a Java
/// server decodes them: ids and names taken from the target end up in stored JSON rows.
std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  bool ascii = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const int hi = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        throw ValidationError("Malformed percent-encoding in request target: " + std::string(text));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      ascii = ascii && hi < 8;
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
      ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    }
  }
  return ascii ? out : detail::valid_utf8(out);
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

[[noreturn]] void throw_bad_parameter(std::string_view name, const std::string& value, std::string_view expected) {
  std::string message = "must be " + std::string(expected);
  throw ValidationError("Invalid value '" + value + "' for query parameter '" + std::string(name) + "': " + message,
                        {FieldViolation{std::string(name), message, value}});
}

template <class Int>
std::optional<Int> parse_integer(std::string_view name, const std::optional<std::string>& raw) {
  if (!raw || raw->empty()) return std::nullopt;
  std::string_view digits = *raw;
  if (digits.front() == '+') digits.remove_prefix(1);
  Int value{};
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
    throw_bad_parameter(name, *raw,
                        std::numeric_limits<Int>::digits > 32 ? "a 64-bit integer" : "a 32-bit integer");
  }
  return value;
}

}  // namespace

std::string_view to_string(Method method) {
  for (const auto& [m, name] : kMethodNames) {
    if (m == method) return name;
  }
  return "OTHER";
}

Method parse_method(std::string_view token) {
  for (const auto& [m, name] : kMethodNames) {
    if (name == token) return m;
  }
  return Method::kOther;
}

Request::Request(Method method, std::string_view target, std::string body, Headers headers)
    : method_(method), headers_(std::move(headers)), body_(std::move(body)) {
  const std::size_t question = target.find('?');
  path_ = std::string(target.substr(0, question));
  if (path_.empty() || path_.front() != '/') {
    throw ValidationError("Request target must be an absolute path: " + std::string(target));
  }
  std::string_view rest = std::string_view(path_).substr(1);
  while (true) {
    const std::size_t slash = rest.find('/');
    segments_.push_back(percent_decode(rest.substr(0, slash), false));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (question == std::string_view::npos) return;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq), true);
      std::string value = eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
      query_.emplace_back(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

const std::string& Request::path_param(std::string_view name) const {
  for (const auto& [key, value] : path_params_) {
    if (key == name) return value;
  }
  throw std::logic_error("route has no path variable '" + std::string(name) + "'");
}

std::optional<std::string> Request::query(std::string_view name) const {
  for (const auto& [key, value] : query_) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::string Request::query(std::string_view name, std::string_view fallback) const {
  auto value = query(name);
  return value ? std::move(*value) : std::string(fallback);
}

std::vector<std::string> Request::query_all(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : query_) {
    if (key == name) values.push_back(value);
  }
  return values;
}

std::string Request::required_query(std::string_view name) const {
  auto value = query(name);
  if (!value) {
    throw ValidationError("Required query parameter '" + std::string(name) + "' is missing",
                          {FieldViolation{std::string(name), "is required", ""}});
  }
  return std::move(*value);
}

std::optional<int> Request::query_int(std::string_view name) const { return parse_integer<int>(name, query(name)); }

int Request::query_int(std::string_view name, int fallback) const { return query_int(name).value_or(fallback); }

std::optional<std::int64_t> Request::query_long(std::string_view name) const {
  return parse_integer<std::int64_t>(name, query(name));
}

std::int64_t Request::query_long(std::string_view name, std::int64_t fallback) const {
  return query_long(name).value_or(fallback);
}

std::optional<bool> Request::query_bool(std::string_view name) const {
  const auto raw = query(name);
  if (!raw || raw->empty()) return std::nullopt;
  for (std::string_view yes : {"true", "1", "yes", "on"}) {
    if (iequals(*raw, yes)) return true;
  }
  for (std::string_view no : {"false", "0", "no", "off"}) {
    if (iequals(*raw, no)) return false;
  }
  throw_bad_parameter(name, *raw, "true or false");
}

bool Request::query_bool(std::string_view name, bool fallback) const { return query_bool(name).value_or(fallback); }

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers_) {
    if (iequals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

Json Request::json() const {
  if (body_.empty()) throw ValidationError("Required request body is missing");
  return parse_json_text(body_);
}

Response Response::json(const Json& value, int status) {
  return Response{status, std::string(kJsonContentType), to_json_text(value), {}, {}};
}

Response Response::text(std::string text, int status) {
  return Response{status, std::string(kTextContentType), std::move(text), {}, {}};
}

Response Response::empty(int status) { return Response{status, {}, {}, {}, {}}; }

Response Response::wait(std::shared_ptr<Pending> pending) {
  Response response;
  response.pending = std::move(pending);
  return response;
}

}  // namespace conductor::http
