#include "storage/search_fields.hpp"

#include <conductor/error.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <optional>
#include <vector>

#include "json/fields.hpp"

namespace conductor::detail {

std::string like_pattern(std::string_view text) {
  std::string pattern;
  for (char c : text) {
    if (c == '*') {
      pattern += '%';
      continue;
    }
    if (c == '%' || c == '_' || c == '\\') {
      pattern += '\\';
    }
    pattern += c;
  }
  return pattern;
}

void check_paging(const SearchQuery& query) {
  if (query.start < 0 || query.size < 0) {
    throw ValidationError("Search start and size must not be negative",
                          {{query.start < 0 ? "start" : "size", "must not be negative",
                            std::to_string(query.start < 0 ? query.start : query.size)}});
  }
}

std::int64_t query_time(const std::string& value) {
  std::int64_t millis = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), millis);
  if (error != std::errc() || end != value.data() + value.size()) {
    throw ValidationError(fmt::format("Invalid time value {}: expected epoch milliseconds", value),
                          {{"query", "time values are epoch milliseconds", value}});
  }
  return millis;
}

const TextField& free_text_field(const IndexTable& table, const std::string& name, std::string_view text) {
  for (const TextField& field : table.text_fields) {
    if (field.name == name) {
      return field;
    }
  }
  std::vector<std::string_view> names;
  for (const TextField& field : table.text_fields) {
    names.push_back(field.name);
  }
  throw ValidationError(fmt::format("Unknown field '{}' in freeText: {}", name, text),
                        {{"freeText", fmt::format("fields are {}", fmt::join(names, ", ")), name}});
}

void invalid_free_text_value(const TextField& field, std::string_view value, std::string_view expected) {
  throw ValidationError(fmt::format("Invalid value '{}' for {} in freeText: expected {}", value, field.name, expected),
                        {{"freeText", fmt::format("{} takes {}", field.name, expected), std::string(value)}});
}

std::int64_t free_text_number(const TextField& field, const std::string& value) {
  std::int64_t number = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (error == std::errc() && end == value.data() + value.size()) {
    return number;
  }
  if (field.kind == FieldKind::kTime) {
    // A date alone means its midnight, UTC.
    if (std::optional<std::int64_t> time = parse_iso_time(value.size() == 10 ? value + "T00:00:00Z" : value)) {
      return *time;
    }
    invalid_free_text_value(field, value, "epoch milliseconds or an ISO-8601 time such as 2024-05-01T10:00:00Z");
  }
  invalid_free_text_value(field, value, "an integer");
}

}  // namespace conductor::detail
