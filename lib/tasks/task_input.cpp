#include "tasks/task_input.hpp"

#include <boost/json/serialize.hpp>

namespace conductor::detail {

std::string input_text(const JsonObject& input, std::string_view key) {
  const auto* value = input.if_contains(key);
  if (!value || value->is_null()) return {};
  if (value->is_string()) return std::string(value->as_string());
  return boost::json::serialize(*value);
}

}  // namespace conductor::detail
