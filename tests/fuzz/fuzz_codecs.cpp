// Conductor's JSON model codecs: decoding any JSON either succeeds or throws ValidationError, and
// what decodes re-encodes to JSON that decodes to the same value; the streaming encoder agrees
// with the tree encoder.
#include "fuzz_support.hpp"

#include <conductor/codec.hpp>

#include <string>

namespace {

using conductor::Json;
using conductor::JsonMode;
using conductor::fuzz::fail;

template <class T>
void round_trip(const Json& json, JsonMode mode) {
  T value;
  if (!conductor::fuzz::accepts([&] { conductor::from_json(json, value, mode); })) return;
  const Json encoded = conductor::to_json(value, mode);
  std::string text;
  conductor::append_json(text, value, mode);
  if (conductor::parse_json_text(text) != conductor::parse_json_text(conductor::to_json_text(encoded))) {
    fail("append_json and to_json disagree");
  }
  T again;
  conductor::from_json(encoded, again, mode);
  if (conductor::to_json(again, mode) != encoded) fail("decode(encode(value)) differs from value");
}

template <class... T>
void round_trip_all(const Json& json) {
  for (JsonMode mode : {JsonMode::kWire, JsonMode::kStorage}) (round_trip<T>(json, mode), ...);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Json json;
  if (!conductor::fuzz::accepts([&] { json = conductor::parse_json_text(conductor::fuzz::as_text(data, size)); })) {
    return 0;
  }
  using namespace conductor;
  round_trip_all<TaskDef, WorkflowTask, WorkflowDef, WorkflowDefSummary, Task, TaskExecLog, TaskResult, PollData,
                 Workflow, StartWorkflowRequest, RerunWorkflowRequest, SkipTaskRequest, WorkflowSummary, TaskSummary,
                 BulkResponse, EventHandler>(json);
  return 0;
}
