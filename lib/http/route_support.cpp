#include "http/route_support.hpp"

#include <conductor/error.hpp>

#include <charconv>
#include <string>
#include <system_error>

namespace conductor::http {

JsonObject body_object(const Request& request) {
  Json body = request.json();
  if (!body.is_object()) {
    throw ValidationError("Request body must be a JSON object", {FieldViolation{"body", "must be a JSON object", ""}});
  }
  return std::move(body.as_object());
}

std::vector<std::string> body_strings(const Request& request) {
  const Json body = request.json();
  const auto not_strings = [] {
    return ValidationError("Request body must be a JSON array of strings",
                           {FieldViolation{"body", "must be a JSON array of strings", ""}});
  };
  if (!body.is_array()) throw not_strings();
  std::vector<std::string> strings;
  for (const Json& item : body.as_array()) {
    if (!item.is_string()) throw not_strings();
    strings.emplace_back(item.as_string());
  }
  return strings;
}

int path_int(const Request& request, std::string_view name) {
  const std::string& text = request.path_param(name);
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    throw ValidationError("Invalid value '" + text + "' for path variable '" + std::string(name) +
                              "': must be a 32-bit integer",
                          {FieldViolation{std::string(name), "must be a 32-bit integer", text}});
  }
  return value;
}

TaskResultStatus path_status(const Request& request) {
  const std::string& name = request.path_param("status");
  const auto status = parse_task_result_status(name);
  if (!status) {
    throw ValidationError("Invalid value '" + name + "' for path variable 'status': must be a task result status",
                          {FieldViolation{"status", "must be a task result status", name}});
  }
  return *status;
}

SearchQuery search_query(const Request& request) {
  SearchQuery query;
  query.start = request.query_int("start", query.start);
  query.size = request.query_int("size", query.size);
  for (const std::string& sort : request.query_all("sort")) {
    std::string_view rest = sort;
    while (!rest.empty()) {
      const std::size_t bar = rest.find('|');
      if (bar != 0) query.sort.emplace_back(rest.substr(0, bar));
      if (bar == std::string_view::npos) break;
      rest.remove_prefix(bar + 1);
    }
  }
  if (auto free_text = request.query("freeText"); free_text && !free_text->empty()) query.free_text = *free_text;
  query.query = request.query("query", "");
  return query;
}

}  // namespace conductor::http
