#pragma once

#include <conductor/error.hpp>
#include <conductor/export.hpp>
#include <conductor/model.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

/// Conversion between the model types and Conductor's JSON.
///
/// Encoding follows Conductor's wire rules: null-valued optionals are omitted, primitives and
/// collections are always present, enums are their constant names. Decoding ignores unknown fields,
/// gives absent fields their model default, accepts an explicit `null` for a primitive as 0/false,
/// and throws ValidationError naming the field (`tasks[1].retryCount`) when a value has the wrong type.
namespace conductor {

/// kWire is what clients see; kStorage adds the engine's bookkeeping fields so a stored task or
/// workflow round-trips exactly.
enum class JsonMode { kWire, kStorage };

/// to_json builds a value; append_json appends the same value's JSON text to `out` without building it.
/// from_json_text decodes JSON text (see decode).
#define CONDUCTOR_DECLARE_CODEC(T)                                                                          \
  CONDUCTOR_EXPORT Json to_json(const T& value, JsonMode mode = JsonMode::kWire);                            \
  CONDUCTOR_EXPORT void append_json(std::string& out, const T& value, JsonMode mode = JsonMode::kWire);   \
  CONDUCTOR_EXPORT void from_json(const Json& json, T& out, JsonMode mode = JsonMode::kWire);              \
  CONDUCTOR_EXPORT void from_json_text(std::string_view text, T& out, JsonMode mode = JsonMode::kWire);

CONDUCTOR_DECLARE_CODEC(SchemaDef)
CONDUCTOR_DECLARE_CODEC(RateLimitConfig)
CONDUCTOR_DECLARE_CODEC(CacheConfig)
CONDUCTOR_DECLARE_CODEC(TaskDef)
CONDUCTOR_DECLARE_CODEC(SubWorkflowParams)
CONDUCTOR_DECLARE_CODEC(StateChangeEvent)
CONDUCTOR_DECLARE_CODEC(WorkflowTask)
CONDUCTOR_DECLARE_CODEC(WorkflowDef)
CONDUCTOR_DECLARE_CODEC(WorkflowDefSummary)
CONDUCTOR_DECLARE_CODEC(Task)
CONDUCTOR_DECLARE_CODEC(TaskExecLog)
CONDUCTOR_DECLARE_CODEC(TaskResult)
CONDUCTOR_DECLARE_CODEC(PollData)
CONDUCTOR_DECLARE_CODEC(Workflow)
CONDUCTOR_DECLARE_CODEC(StartWorkflowRequest)
CONDUCTOR_DECLARE_CODEC(RerunWorkflowRequest)
CONDUCTOR_DECLARE_CODEC(SkipTaskRequest)
CONDUCTOR_DECLARE_CODEC(WorkflowSummary)
CONDUCTOR_DECLARE_CODEC(TaskSummary)
CONDUCTOR_DECLARE_CODEC(SearchResult<WorkflowSummary>)
CONDUCTOR_DECLARE_CODEC(SearchResult<TaskSummary>)
CONDUCTOR_DECLARE_CODEC(SearchResult<Workflow>)
CONDUCTOR_DECLARE_CODEC(SearchResult<Task>)
CONDUCTOR_DECLARE_CODEC(BulkResponse)
CONDUCTOR_DECLARE_CODEC(EventHandler)
CONDUCTOR_DECLARE_CODEC(EventAction)

#undef CONDUCTOR_DECLARE_CODEC

/// Parses JSON text; throws ValidationError with the parser's message when the text is not JSON.
CONDUCTOR_EXPORT Json parse_json_text(std::string_view text);
CONDUCTOR_EXPORT std::string to_json_text(const Json& json);

/// Decodes a model value from a JSON value.
template <class T>
T decode(const Json& json, JsonMode mode = JsonMode::kWire) {
  T value;
  from_json(json, value, mode);
  return value;
}

/// Decodes a model value from JSON text; a parse error is a ValidationError as in parse_json_text.
template <class T>
T decode(std::string_view text, JsonMode mode = JsonMode::kWire) {
  T value;
  from_json_text(text, value, mode);
  return value;
}

/// Decodes a model value from a string literal (which would otherwise be ambiguous: Json converts from it).
template <class T>
T decode(const char* text, JsonMode mode = JsonMode::kWire) {
  return decode<T>(std::string_view(text), mode);
}

namespace detail {
/// The violations of `error` with their paths placed under array element `index` (`[index].path`).
CONDUCTOR_EXPORT std::vector<FieldViolation> violations_at_index(const ValidationError& error, std::size_t index);
}  // namespace detail

/// Decodes a JSON array of model values (e.g. a list of TaskDefs); violation paths start with the
/// element's index (`[1].retryCount`).
template <class T>
std::vector<T> decode_list(const Json& json, JsonMode mode = JsonMode::kWire) {
  if (!json.is_array()) throw ValidationError({FieldViolation{"", "expected array", ""}});
  const auto& array = json.get_array();
  std::vector<T> values(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    try {
      from_json(array[i], values[i], mode);
    } catch (const ValidationError& e) {
      throw ValidationError(detail::violations_at_index(e, i));
    }
  }
  return values;
}

/// Encodes model values as a JSON array.
template <class T>
Json to_json_array(const std::vector<T>& values, JsonMode mode = JsonMode::kWire) {
  JsonArray array;
  array.reserve(values.size());
  for (const auto& value : values) array.push_back(to_json(value, mode));
  return array;
}

/// Encodes a model value as JSON text.
template <class T>
std::string encode(const T& value, JsonMode mode = JsonMode::kWire) {
  std::string text;
  append_json(text, value, mode);
  return text;
}

}  // namespace conductor
