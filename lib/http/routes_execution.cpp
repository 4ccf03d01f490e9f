#include "http/route_support.hpp"
#include "http/routes.hpp"
#include "http/run_response.hpp"

#include <conductor/codec.hpp>
#include <conductor/engine.hpp>
#include <conductor/error.hpp>
#include <conductor/run_watch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

/// Synchronous execution, signals and the workflow test (api.md 1.3, 1.7, 1.10): the calls that
/// answer once a run has ended or blocked, waiting parked without a thread.
namespace conductor::http {
namespace {

/// Conductor's execute waits 10 s when `waitForSeconds` is absent or 0.
constexpr int kDefaultExecuteWaitSeconds = 10;
/// Conductor's synchronous signal waits 5 s by default.
constexpr int kDefaultSignalWaitMillis = 5000;

std::chrono::milliseconds wait_parameter(const Request& request, std::string_view name, std::int64_t fallback,
                                         std::int64_t unit_ms) {
  std::int64_t value = request.query_long(name, fallback);
  if (value == 0) value = fallback;
  if (value < 0) {
    throw ValidationError("Invalid value '" + std::to_string(value) + "' for parameter '" + std::string(name) +
                              "': must not be negative",
                          {FieldViolation{std::string(name), "must not be negative", std::to_string(value)}});
  }
  return std::chrono::milliseconds(value * unit_ms);
}

/// Every change is committed durably before it is answered, the strongest of Conductor's levels;
/// the parameter is checked, not needed.
void check_consistency(const Request& request) {
  const std::string level = request.query("consistency", "DURABLE");
  if (level != "DURABLE" && level != "SYNCHRONOUS" && level != "REGION_DURABLE") {
    throw ValidationError("Invalid value '" + level +
                              "' for parameter 'consistency': must be one of SYNCHRONOUS, DURABLE, REGION_DURABLE",
                          {FieldViolation{"consistency", "must be a consistency level", level}});
  }
}

std::vector<std::string> task_refs(const Request& request) {
  std::vector<std::string> refs;
  const std::string list = request.query("waitUntilTaskRef", "");
  std::size_t begin = 0;
  while (begin <= list.size()) {
    std::size_t end = list.find(',', begin);
    if (end == std::string::npos) end = list.size();
    std::string ref = list.substr(begin, end - begin);
    const auto first = ref.find_first_not_of(" \t");
    if (first != std::string::npos) refs.push_back(ref.substr(first, ref.find_last_not_of(" \t") - first + 1));
    begin = end + 1;
  }
  return refs;
}

Response execute(Engine& engine, const Request& request) {
  const ReturnStrategy strategy = return_strategy(request);
  check_consistency(request);
  WaitOptions options;
  options.timeout = wait_parameter(request, "waitForSeconds", kDefaultExecuteWaitSeconds, 1000);
  options.wait_until_task_refs = task_refs(request);
  options.request_id = request.query("requestId", "");
  auto start = body_as<StartWorkflowRequest>(request);
  start.name = request.path_param("name");
  const int version = path_int(request, "version");
  start.version = version == 0 ? std::nullopt : std::optional<int>(version);
  if (start.workflow_def && !start.workflow_def->tasks.empty() && start.input) {
    // Conductor marks the input of a run whose definition came with the request.
    Json& metadata = (*start.input)["_systemMetadata"];
    if (!metadata.is_object()) metadata = JsonObject{};
    metadata.as_object()["dynamic"] = true;
  }
  const std::string workflow_id = engine.executor().start_workflow(start);
  return wait_for_run(std::make_unique<RunWatch>(engine.executor(), workflow_id, std::move(options)), strategy);
}

/// Conductor answers 200 also when nothing waited for the signal.
Response signal(Engine& engine, const Request& request) {
  engine.executor().signal(request.path_param("workflowId"), path_status(request), body_object(request));
  return Response::empty();
}

Response signal_sync(Engine& engine, const Request& request) {
  const ReturnStrategy strategy = return_strategy(request);
  WaitOptions options;
  options.timeout = wait_parameter(request, "timeoutMillis", kDefaultSignalWaitMillis, 1);
  const std::string& workflow_id = request.path_param("workflowId");
  if (!engine.executor().signal(workflow_id, path_status(request), body_object(request)))
    throw NotFoundError("Found no blocked task in workflow " + workflow_id + " to signal");
  return wait_for_run(std::make_unique<RunWatch>(engine.executor(), workflow_id, std::move(options)), strategy);
}

[[noreturn]] void bad_test_field(const std::string& path, const std::string& message) {
  throw ValidationError("Invalid WorkflowTestRequest: " + path + " " + message, {FieldViolation{path, message, ""}});
}

const JsonObject* object_field(const JsonObject& json, std::string_view name, const std::string& path) {
  const auto* value = json.if_contains(name);
  if (value == nullptr || value->is_null()) return nullptr;
  if (!value->is_object()) bad_test_field(path + std::string(name), "must be a JSON object");
  return &value->as_object();
}

TaskMock task_mock(const Json& json, const std::string& path) {
  if (!json.is_object()) bad_test_field(path, "must be a JSON object");
  const JsonObject& object = json.as_object();
  TaskMock mock;
  if (const auto* status = object.if_contains("status"); status != nullptr && !status->is_null()) {
    const auto parsed = status->is_string() ? parse_task_result_status(status->as_string()) : std::nullopt;
    if (!parsed) bad_test_field(path + ".status", "must be a task result status");
    mock.status = *parsed;
  }
  if (const JsonObject* output = object_field(object, "output", path + ".")) mock.output = *output;
  for (const char* timing : {"executionTime", "queueWaitTime"}) {
    const auto* value = object.if_contains(timing);
    if (value != nullptr && !value->is_null() && !(value->is_number() && value->to_number<double>() == 0))
      bad_test_field(path + "." + timing, "is not supported: a mock's timing cannot be simulated");
  }
  return mock;
}

WorkflowTestRequest test_request(const Json& json, const std::string& path) {
  WorkflowTestRequest test;
  test.start = decode<StartWorkflowRequest>(json);
  const JsonObject& object = json.as_object();
  if (const JsonObject* mocks = object_field(object, "taskRefToMockOutput", path)) {
    for (const auto& [ref, list] : *mocks) {
      const std::string at = path + "taskRefToMockOutput." + std::string(ref);
      if (!list.is_array()) bad_test_field(at, "must be a JSON array");
      auto& out = test.task_ref_to_mock_output[std::string(ref)];
      for (std::size_t i = 0; i < list.as_array().size(); ++i)
        out.push_back(task_mock(list.as_array()[i], at + "[" + std::to_string(i) + "]"));
    }
  }
  if (const JsonObject* subs = object_field(object, "subWorkflowTestRequest", path)) {
    for (const auto& [ref, sub] : *subs) {
      const std::string at = path + "subWorkflowTestRequest." + std::string(ref);
      if (!sub.is_object()) bad_test_field(at, "must be a JSON object");
      test.sub_workflow_test_request.emplace(std::string(ref), test_request(sub, at + "."));
    }
  }
  return test;
}

Response test_workflow(Engine& engine, const Request& request) {
  const Json body = request.json();
  if (!body.is_object()) bad_test_field("body", "must be a JSON object");
  return Response::json(to_json(engine.executor().test_workflow(test_request(body, ""))));
}

}  // namespace

void add_execution_routes(Router& router, Engine& engine) {
  router.add(engine, {
                         {Method::kPost, "/api/workflow/execute/{name}/{version}", execute},
                         {Method::kPost, "/api/workflow/test", test_workflow},
                         {Method::kPost, "/api/tasks/{workflowId}/{status}/signal", signal},
                         {Method::kPost, "/api/tasks/{workflowId}/{status}/signal/sync", signal_sync},
                     });
}

}  // namespace conductor::http
