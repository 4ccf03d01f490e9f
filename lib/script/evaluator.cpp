#include "script/evaluator.hpp"

#include "script/javascript.hpp"

#include <cassert>

namespace conductor::detail {

namespace {
bool is_javascript(std::string_view type) { return type == "javascript" || type == "graaljs"; }
}  // namespace

bool is_evaluator(std::string_view type) { return type == "value-param" || is_javascript(type); }

Json evaluate(std::string_view type, std::string_view expression, const JsonObject& input) {
  assert(is_evaluator(type));
  if (is_javascript(type)) return evaluate_javascript(expression, input);
  const Json* value = input.if_contains(expression);
  return value ? *value : Json(nullptr);
}

bool is_blank(std::string_view text) { return text.find_first_not_of(" \t\n\v\f\r") == std::string_view::npos; }

std::optional<std::string_view> non_blank_string(const JsonObject& input, std::string_view key) {
  const Json* value = input.if_contains(key);
  if (!value || !value->is_string() || is_blank(value->get_string())) return std::nullopt;
  return std::string_view(value->get_string());
}

}  // namespace conductor::detail
