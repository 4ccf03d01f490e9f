#pragma once

#include <conductor/export.hpp>
#include <conductor/model.hpp>

#include <string>
#include <string_view>

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

#define CONDUCTOR_DECLARE_CODEC(T)                                               \
  CONDUCTOR_EXPORT Json to_json(const T& value, JsonMode mode = JsonMode::kWire); \
  CONDUCTOR_EXPORT void from_json(const Json& json, T& out, JsonMode mode = JsonMode::kWire);

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

/// Decodes a model value from JSON text.
template <class T>
T decode(std::string_view text, JsonMode mode = JsonMode::kWire) {
  return decode<T>(parse_json_text(text), mode);
}

/// Decodes a model value from a string literal (which would otherwise be ambiguous: Json converts from it).
template <class T>
T decode(const char* text, JsonMode mode = JsonMode::kWire) {
  return decode<T>(std::string_view(text), mode);
}

/// Encodes a model value as JSON text.
template <class T>
std::string encode(const T& value, JsonMode mode = JsonMode::kWire) {
  return to_json_text(to_json(value, mode));
}

}  // namespace conductor
