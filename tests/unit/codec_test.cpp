#include <conductor/codec.hpp>
#include <conductor/error.hpp>

#include "json/storage_rows.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

using namespace conductor;

namespace {

Json parse(std::string_view text) { return parse_json_text(text); }

JsonObject as_object(const Json& json) {
  REQUIRE(json.is_object());
  return json.get_object();
}

// Expects decoding `text` as T to fail with exactly one violation at `path`.
template <class T>
void require_violation(std::string_view text, const std::string& path, const std::string& message) {
  try {
    decode<T>(text);
    FAIL("decoding succeeded: " << text);
  } catch (const ValidationError& e) {
    REQUIRE(e.violations().size() == 1);
    CHECK(e.violations().front().path == path);
    CHECK(e.violations().front().message == message);
    CHECK(std::string(e.what()) == (path.empty() ? message : path + ": " + message));
  }
}

// Overwrites the stack below the caller, where decoding text kept its scratch document.
[[gnu::noinline]] void scribble_stack() {
  volatile unsigned char junk[32768];
  for (auto& byte : junk) byte = 0xa5;
}

// Decodes `text` and encodes the result after the stack the decoding used is overwritten: a value
// that still pointed into the decoder's scratch document would come out garbled.
template <class T>
std::string decoded_text(const std::string& text, JsonMode mode = JsonMode::kWire) {
  const T value = decode<T>(text, mode);
  scribble_stack();
  return to_json_text(to_json(value, mode));
}

// Encoding, decoding and encoding again gives the same JSON in the given mode, from a value or from
// text, and the text encoder writes exactly what the encoded value serializes to.
template <class T>
void check_round_trip(const T& value, JsonMode mode) {
  const Json first = to_json(value, mode);
  CHECK(encode(value, mode) == to_json_text(first));
  const Json second = to_json(decode<T>(first, mode), mode);
  CHECK(to_json_text(second) == to_json_text(first));
  CHECK(second == first);
  CHECK(decoded_text<T>(to_json_text(first), mode) == to_json_text(first));
}

template <class T>
void check_round_trips(const T& value) {
  check_round_trip(value, JsonMode::kWire);
  check_round_trip(value, JsonMode::kStorage);
}

TaskDef full_task_def() {
  TaskDef d;
  d.name = "encode_video";
  d.description = "encodes";
  d.owner_app = "app";
  d.created_by = "alice";
  d.updated_by = "bob";
  d.create_time = 1714557600000;
  d.update_time = 1714557600001;
  d.retry_count = 2;
  d.timeout_seconds = 600;
  d.total_timeout_seconds = 1200;
  d.response_timeout_seconds = 120;
  d.poll_timeout_seconds = 30;
  d.retry_logic = RetryLogic::kExponentialBackoff;
  d.retry_delay_seconds = 5;
  d.backoff_scale_factor = 2;
  d.max_retry_delay_seconds = 100;
  d.backoff_jitter_ms = 10;
  d.timeout_policy = TaskTimeoutPolicy::kRetry;
  d.input_keys = {"a", "b"};
  d.output_keys = {"c"};
  d.input_template = parse(R"({"a": 1, "nested": {"k": null}})").get_object();
  d.runtime_metadata = {"SECRET"};
  d.concurrent_exec_limit = 4;
  d.rate_limit_per_frequency = 10;
  d.rate_limit_frequency_in_seconds = 60;
  d.isolation_group_id = "iso";
  d.execution_name_space = "ns";
  d.owner_email = "media@example.com";
  d.base_type = "base";
  d.task_status_listener_enabled = false;
  SchemaDef schema;
  schema.name = "in";
  schema.version = 3;
  schema.type = SchemaType::kAvro;
  schema.data = parse(R"({"type": "record"})").get_object();
  schema.external_ref = "ref";
  d.input_schema = schema;
  d.output_schema = schema;
  d.enforce_schema = true;
  return d;
}

WorkflowTask simple_task(const std::string& name) {
  WorkflowTask t;
  t.name = name;
  t.task_reference_name = name + "_ref";
  return t;
}

WorkflowTask full_workflow_task() {
  WorkflowTask t = simple_task("route");
  t.description = "routes";
  t.type = "SWITCH";
  t.input_parameters = parse(R"({"kind": "${encode.output.kind}"})").get_object();
  t.start_delay = 3;
  t.optional = true;
  t.retry_count = 1;
  t.async_complete = true;
  t.rate_limited = true;
  t.permissive = true;
  t.task_definition = full_task_def();
  t.dynamic_task_name_param = "dyn";
  t.case_value_param = "cv";
  t.case_expression = "ce";
  t.script_expression = "se";
  t.evaluator_type = "value-param";
  t.expression = "kind";
  t.decision_cases = {{"z", {simple_task("z1"), simple_task("z2")}}, {"a", {simple_task("a1")}}};
  t.default_case = {simple_task("d1")};
  t.fork_tasks = {{simple_task("f1")}, {simple_task("f2"), simple_task("f3")}};
  t.join_on = {"f1_ref", "f3_ref"};
  t.join_status = "js";
  t.join_mode = JoinMode::kAsync;
  t.default_exclusive_join_task = {"x"};
  t.dynamic_fork_tasks_param = "dft";
  t.dynamic_fork_tasks_input_param_name = "dfti";
  t.dynamic_fork_join_tasks_param = "dfjt";
  t.loop_condition = "true";
  t.loop_over = {simple_task("l1")};
  t.items = "${workflow.input.items}";
  SubWorkflowParams sub;
  sub.name = "child";
  sub.version = 2;
  sub.task_to_domain = std::map<std::string, std::string>{{"*", "blue"}};
  sub.workflow_definition = Json("${workflow.input.def}");
  sub.idempotency_key = "key";
  sub.idempotency_strategy = IdempotencyStrategy::kReturnExisting;
  sub.priority = Json(7);
  t.sub_workflow_param = sub;
  t.sink = "conductor";
  t.on_state_change = {{"onScheduled", {StateChangeEvent{"type", parse(R"({"p": 1})").get_object()}}}};
  t.cache_config = CacheConfig{"ck", 60};
  t.metadata = parse(R"({"x": 1})").get_object();
  return t;
}

WorkflowDef full_workflow_def() {
  WorkflowDef d;
  d.name = "media_pipeline";
  d.description = "pipeline";
  d.version = 4;
  d.owner_app = "app";
  d.create_time = 5;
  d.update_time = 6;
  d.tasks = {simple_task("encode"), full_workflow_task()};
  d.input_parameters = {"url"};
  d.output_parameters = parse(R"({"location": "${encode.output.location}"})").get_object();
  d.input_template = parse(R"({"url": "default"})").get_object();
  d.variables = parse(R"({"v": [1, 2]})").get_object();
  d.failure_workflow = "cleanup";
  d.failure_workflow_version = 1;
  d.restartable = false;
  d.workflow_status_listener_enabled = true;
  d.workflow_status_listener_sink = "sink";
  d.owner_email = "media@example.com";
  d.timeout_policy = WorkflowTimeoutPolicy::kTimeOutWf;
  d.timeout_seconds = 3600;
  d.rate_limit_config = RateLimitConfig{"rk", 3, RateLimitPolicy::kReject};
  d.enforce_schema = false;
  d.metadata = parse(R"({"classifier": "agent"})").get_object();
  d.cache_config = CacheConfig{"ck", 5};
  d.masked_fields = {"secret"};
  return d;
}

Task full_task() {
  Task t;
  t.task_id = "task-1";
  t.task_type = "encode_video";
  t.task_def_name = "encode_video";
  t.reference_task_name = "encode__2";
  t.status = TaskStatus::kInProgress;
  t.workflow_instance_id = "wf-1";
  t.workflow_type = "media_pipeline";
  t.correlation_id = "order-991";
  t.input_data = parse(R"({"url": "s3://bucket/in.mov"})").get_object();
  t.output_data = parse(R"({"percent": 40})").get_object();
  t.seq = 3;
  t.retry_count = 1;
  t.poll_count = 2;
  t.scheduled_time = 1000;
  t.start_time = 1500;
  t.end_time = 0;
  t.update_time = 1600;
  t.first_start_time = 1400;
  t.start_delay_in_seconds = 4;
  t.retried_task_id = "task-0";
  t.retried = true;
  t.executed = true;
  t.callback_from_worker = false;
  t.response_timeout_seconds = 120;
  t.callback_after_seconds = 0;
  t.worker_id = "host-7";
  t.reason_for_incompletion = "why";
  t.workflow_task = full_workflow_task();
  t.domain = "blue";
  t.rate_limit_per_frequency = 10;
  t.rate_limit_frequency_in_seconds = 60;
  t.external_input_payload_storage_path = "in";
  t.external_output_payload_storage_path = "out";
  t.workflow_priority = 5;
  t.execution_name_space = "ns";
  t.isolation_group_id = "iso";
  t.iteration = 2;
  t.sub_workflow_id = "sub-1";
  t.subworkflow_changed = true;
  t.parent_task_id = "parent";
  t.execution_metadata = parse(R"({"serverSendTime": 12})").get_object();
  t.runtime_metadata = {{"SECRET", "value"}};
  t.first_scheduled_time = 900;
  t.callback_after_ms = 2500;
  t.wait_timeout = 99000;
  return t;
}

Workflow full_workflow() {
  Workflow w;
  w.workflow_id = "wf-1";
  w.status = WorkflowStatus::kFailed;
  w.workflow_definition = full_workflow_def();
  w.create_time = 1000;
  w.update_time = 2000;
  w.end_time = 3000;
  w.created_by = "alice";
  w.input = parse(R"({"url": "s3://bucket/in.mov"})").get_object();
  w.output = parse(R"({"location": null})").get_object();
  w.variables = parse(R"({"counter": 2})").get_object();
  w.tasks = {full_task()};
  w.priority = 5;
  w.correlation_id = "order-991";
  w.task_to_domain = {{"*", "blue,NO_DOMAIN"}};
  w.parent_workflow_id = "parent";
  w.parent_workflow_task_id = "parent-task";
  w.re_run_from_workflow_id = "rerun";
  w.reason_for_incompletion = "boom";
  w.failed_reference_task_names = {"encode"};
  w.failed_task_names = {"encode_video"};
  w.event = "conductor:x:y";
  w.last_retried_time = 4000;
  w.external_input_payload_storage_path = "in";
  w.external_output_payload_storage_path = "out";
  Workflow earlier;
  earlier.workflow_id = "wf-0";
  earlier.workflow_definition.edit().name = "media_pipeline";
  w.history = {earlier};
  w.idempotency_key = "idem";
  w.rate_limit_key = "rate";
  w.rate_limited = true;
  w.previous_status = WorkflowStatus::kRunning;
  w.failed_task_id = "task-1";
  return w;
}

WorkflowSummary full_workflow_summary() {
  WorkflowSummary s;
  s.workflow_type = "media_pipeline";
  s.version = 1;
  s.workflow_id = "wf-1";
  s.correlation_id = "order-991";
  s.start_time = 1714557600000;
  s.update_time = 1714557731004;
  s.end_time = 1714557731004;
  s.status = WorkflowStatus::kFailed;
  s.input = R"({"url":"s3://bucket/in.mov"})";
  s.output = "{}";
  s.reason_for_incompletion = "boom";
  s.execution_time = 131004;
  s.event = "ev";
  s.failed_reference_task_names = "encode";
  s.failed_task_names = {"encode_video"};
  s.external_input_payload_storage_path = "in";
  s.external_output_payload_storage_path = "out";
  s.priority = 5;
  s.created_by = "alice";
  s.task_to_domain = {{"*", "blue"}};
  s.idempotency_key = "idem";
  s.parent_workflow_id = "";
  s.classifier = "workflow";
  return s;
}

TaskSummary full_task_summary() {
  TaskSummary s;
  s.workflow_id = "wf-1";
  s.workflow_type = "media_pipeline";
  s.correlation_id = "order-991";
  s.scheduled_time = 1714557600000;
  s.start_time = 1714557600500;
  s.update_time = 1714557601000;
  s.end_time = 1714557602000;
  s.status = TaskStatus::kCompleted;
  s.reason_for_incompletion = "none";
  s.execution_time = 1500;
  s.queue_wait_time = 500;
  s.task_def_name = "encode_video";
  s.task_type = "encode_video";
  s.input = "{}";
  s.output = R"({"a":1})";
  s.task_id = "task-1";
  s.external_input_payload_storage_path = "in";
  s.external_output_payload_storage_path = "out";
  s.workflow_priority = 5;
  s.domain = "blue";
  return s;
}

EventHandler full_event_handler() {
  EventHandler h;
  h.name = "on_encode";
  h.event = "conductor:media_pipeline:encode";
  h.condition = "$.status == 'COMPLETED'";
  h.evaluator_type = "javascript";
  h.active = true;
  EventAction start;
  start.action = EventActionType::kStartWorkflow;
  start.start_workflow = EventStartWorkflow{"publish", 2, "corr", parse(R"({"a": 1})").get_object(),
                                            std::map<std::string, std::string>{{"*", "blue"}}};
  start.expand_inline_json = true;
  EventAction complete;
  complete.action = EventActionType::kCompleteTask;
  complete.complete_task = EventTaskDetails{"wf", "ref", parse(R"({"o": 1})").get_object(), "tid", "reason"};
  EventAction fail;
  fail.action = EventActionType::kFailTask;
  fail.fail_task = EventTaskDetails{"wf", "ref", {}, std::nullopt, "bad"};
  EventAction terminate;
  terminate.action = EventActionType::kTerminateWorkflow;
  terminate.terminate_workflow = EventTerminateWorkflow{"wf", "stop"};
  EventAction update;
  update.action = EventActionType::kUpdateWorkflowVariables;
  update.update_workflow_variables = EventUpdateWorkflowVariables{"wf", parse(R"({"v": 1})").get_object(), true};
  EventAction agent;
  agent.action = EventActionType::kStartAgent;
  agent.start_agent = parse(R"({"name": "agent", "prompt": "hi"})").get_object();
  h.actions = {start, complete, fail, terminate, update, agent};
  return h;
}

}  // namespace

TEST_CASE("codec: every model round trips in wire and storage mode", "[unit]") {
  check_round_trips(full_task_def());
  check_round_trips(full_task_def().input_schema.value());
  check_round_trips(RateLimitConfig{"rk", 3, RateLimitPolicy::kReject});
  check_round_trips(CacheConfig{"ck", 60});
  check_round_trips(full_workflow_task().sub_workflow_param.value());
  check_round_trips(StateChangeEvent{"type", parse(R"({"p": [1, null]})").get_object()});
  check_round_trips(full_workflow_task());
  check_round_trips(full_workflow_def());
  check_round_trips(WorkflowDefSummary{"wf", 2, 100, 200});
  check_round_trips(WorkflowDefSummary{"wf", 2, 100, std::nullopt});
  check_round_trips(full_task());
  check_round_trips(TaskExecLog{"line", "task-1", 77});
  check_round_trips(PollData{"encode_video", "blue", "host-7", 99});
  check_round_trips(full_workflow());
  check_round_trips(full_workflow_summary());
  check_round_trips(full_task_summary());
  check_round_trips(BulkResponse{{"id-1", "id-3"}, {{"id-2", "No such workflow found by id: id-2"}}});
  check_round_trips(full_event_handler());
  for (const auto& action : full_event_handler().actions) check_round_trips(action);

  TaskResult result;
  result.workflow_instance_id = "wf-1";
  result.task_id = "task-1";
  result.status = TaskResultStatus::kFailedWithTerminalError;
  result.output_data = parse(R"({"x": 1})").get_object();
  result.reason_for_incompletion = "bad";
  result.callback_after_seconds = 30;
  result.worker_id = "host-7";
  result.logs = {TaskExecLog{"a", "task-1", 1}, TaskExecLog{"b", "task-1", 2}};
  result.external_output_payload_storage_path = "out";
  result.sub_workflow_id = "sub";
  result.extend_lease = true;
  result.supports_cancellation = true;
  result.execution_metadata = parse(R"({"clientSendTime": 5})").get_object();
  check_round_trips(result);

  StartWorkflowRequest start;
  start.name = "media_pipeline";
  start.version = 3;
  start.correlation_id = "c";
  start.input = parse(R"({"url": "u"})").get_object();
  start.task_to_domain = {{"*", "blue"}};
  start.workflow_def = full_workflow_def();
  start.external_input_payload_storage_path = "p";
  start.priority = 9;
  start.created_by = "alice";
  start.idempotency_key = "k";
  start.idempotency_strategy = IdempotencyStrategy::kFailOnRunning;
  check_round_trips(start);

  RerunWorkflowRequest rerun{"wf", parse(R"({"a": 1})").get_object(), "task", parse(R"({"b": 2})").get_object(), "c"};
  check_round_trips(rerun);
  check_round_trips(RerunWorkflowRequest{});
  check_round_trips(SkipTaskRequest{parse(R"({"a": 1})").get_object(), parse(R"({"b": 2})").get_object()});
  check_round_trips(SkipTaskRequest{});
}

TEST_CASE("codec: the text encoder escapes strings as the serializer does", "[unit]") {
  Task task;
  task.task_id = "plain";
  task.reason_for_incompletion = "line\n\"quoted\" back\\slash\ttab \x01\x1f del\x7f /slash/ \xc3\xbc";
  task.runtime_metadata["key \"q\""] = "v\r";
  task.input_data["k\n"] = "\b\f";
  for (JsonMode mode : {JsonMode::kWire, JsonMode::kStorage}) {
    CHECK(encode(task, mode) == to_json_text(to_json(task, mode)));
    CHECK(decode<Task>(encode(task, mode), mode) == task);
  }
}

TEST_CASE("codec: round trip keeps every field's value", "[unit]") {
  const Task task = decode<Task>(to_json(full_task(), JsonMode::kStorage), JsonMode::kStorage);
  CHECK(task.task_id == "task-1");
  CHECK(task.status == TaskStatus::kInProgress);
  CHECK(task.input_data.at("url") == "s3://bucket/in.mov");
  CHECK(task.callback_from_worker == false);
  CHECK(task.iteration == 2);
  REQUIRE(task.workflow_task.has_value());
  CHECK(task.workflow_task->type == "SWITCH");
  REQUIRE(task.workflow_task->decision_cases.size() == 2);
  CHECK(task.workflow_task->decision_cases[0].first == "z");
  CHECK(task.workflow_task->decision_cases[0].second.size() == 2);
  CHECK(task.workflow_task->decision_cases[1].first == "a");
  REQUIRE(task.workflow_task->fork_tasks.size() == 2);
  CHECK(task.workflow_task->fork_tasks[1][1].name == "f3");
  REQUIRE(task.workflow_task->task_definition.has_value());
  CHECK(task.workflow_task->task_definition->retry_logic == RetryLogic::kExponentialBackoff);
  CHECK(task.workflow_task->task_definition->input_schema->type == SchemaType::kAvro);
  CHECK(task.workflow_task->sub_workflow_param->idempotency_strategy == IdempotencyStrategy::kReturnExisting);
  CHECK(task.runtime_metadata.at("SECRET") == "value");
  CHECK(task.first_scheduled_time == 900);
  CHECK(task.callback_after_ms == 2500);
  CHECK(task.wait_timeout == 99000);

  const Workflow wf = decode<Workflow>(to_json(full_workflow(), JsonMode::kStorage), JsonMode::kStorage);
  CHECK(wf.workflow_definition->rate_limit_config->policy == RateLimitPolicy::kReject);
  CHECK(wf.previous_status == WorkflowStatus::kRunning);
  CHECK(wf.failed_task_id == "task-1");
  REQUIRE(wf.history.size() == 1);
  CHECK(wf.history[0].workflow_id == "wf-0");
  CHECK(wf.output.at("location").is_null());
}

TEST_CASE("codec: a stored row leaves out the properties that hold their default and reads back whole",
          "[unit]") {
  Task task;
  task.task_id = "t-1";
  task.task_type = "encode";
  task.callback_from_worker = false;  // a default that is not zero or false must be kept when changed
  task.input_data = {{"n", 0}};
  const std::string row = detail::task_row_json(task);
  CHECK(row == R"({"taskId":"t-1","taskType":"encode","inputData":{"n":0},"callbackFromWorker":false})");
  CHECK(decode<Task>(row, JsonMode::kStorage) == task);

  Task full = full_task();
  CHECK(decode<Task>(detail::task_row_json(full), JsonMode::kStorage) == [&] {
    full.workflow_task.reset();  // kept as a snapshot of its own
    return full;
  }());

  Workflow wf = full_workflow();
  const Workflow read = decode<Workflow>(detail::workflow_row_json(wf), JsonMode::kStorage);
  wf.workflow_definition = {};  // kept as a snapshot of its own
  wf.tasks.clear();             // rows of their own
  CHECK(read == wf);
  CHECK(detail::workflow_row_json(Workflow{}) == "{}");
}

TEST_CASE("codec: decision cases keep their written order", "[unit]") {
  const auto task = decode<WorkflowTask>(
      R"({"name": "s", "taskReferenceName": "s", "type": "SWITCH",
          "decisionCases": {"zeta": [], "alpha": [{"name": "a", "taskReferenceName": "a"}], "mid": []}})");
  REQUIRE(task.decision_cases.size() == 3);
  CHECK(task.decision_cases[0].first == "zeta");
  CHECK(task.decision_cases[1].first == "alpha");
  CHECK(task.decision_cases[1].second.at(0).type == "SIMPLE");
  CHECK(task.decision_cases[2].first == "mid");
  CHECK(to_json_text(to_json(task).at("decisionCases")) ==
        to_json_text(parse(R"({"zeta": [], "alpha": [)" + to_json_text(to_json(task.decision_cases[1].second[0])) +
                           R"(], "mid": []})")));
}

TEST_CASE("codec: the task definition wire example reads back with every default", "[unit]") {
  const auto def = decode<TaskDef>(
      R"({"name": "encode_video", "retryCount": 2, "retryLogic": "EXPONENTIAL_BACKOFF", "retryDelaySeconds": 5,
          "timeoutSeconds": 600, "responseTimeoutSeconds": 120, "timeoutPolicy": "RETRY",
          "ownerEmail": "media@example.com"})");
  CHECK(def.retry_count == 2);
  CHECK(def.retry_logic == RetryLogic::kExponentialBackoff);
  CHECK(def.timeout_policy == TaskTimeoutPolicy::kRetry);

  const Json json = to_json(def);
  const auto& o = as_object(json);
  CHECK(o.at("name") == "encode_video");
  CHECK(o.at("retryCount") == 2);
  CHECK(o.at("retryLogic") == "EXPONENTIAL_BACKOFF");
  CHECK(o.at("retryDelaySeconds") == 5);
  CHECK(o.at("timeoutSeconds") == 600);
  CHECK(o.at("responseTimeoutSeconds") == 120);
  CHECK(o.at("timeoutPolicy") == "RETRY");
  CHECK(o.at("ownerEmail") == "media@example.com");
  CHECK(o.at("inputKeys") == JsonArray{});
  CHECK(o.at("outputKeys") == JsonArray{});
  CHECK(o.at("runtimeMetadata") == JsonArray{});
  CHECK(o.at("inputTemplate") == JsonObject{});
  CHECK(o.at("rateLimitPerFrequency") == 0);
  CHECK(o.at("rateLimitFrequencyInSeconds") == 1);
  CHECK(o.at("backoffScaleFactor") == 1);
  CHECK(o.at("maxRetryDelaySeconds") == 0);
  CHECK(o.at("backoffJitterMs") == 0);
  CHECK(o.at("totalTimeoutSeconds") == 0);
  CHECK(o.at("taskStatusListenerEnabled") == true);
  CHECK(o.at("enforceSchema") == false);
  CHECK(o.at("createTime") == 0);
  CHECK(o.at("updateTime") == 0);
  for (const char* absent : {"description", "pollTimeoutSeconds", "concurrentExecLimit", "isolationGroupId",
                             "executionNameSpace", "baseType", "inputSchema", "outputSchema", "ownerApp",
                             "createdBy", "updatedBy"}) {
    INFO(absent);
    CHECK_FALSE(o.contains(absent));
  }
  CHECK(o.size() == 22);
}

TEST_CASE("codec: the workflow definition wire example reads back with every default", "[unit]") {
  const auto def = decode<WorkflowDef>(
      R"({"name": "media_pipeline", "version": 1, "schemaVersion": 2, "ownerEmail": "media@example.com",
          "tasks": [
            {"name": "encode_video", "taskReferenceName": "encode", "type": "SIMPLE",
             "inputParameters": {"url": "${workflow.input.url}"}},
            {"name": "route", "taskReferenceName": "route", "type": "SWITCH", "evaluatorType": "value-param",
             "expression": "kind", "inputParameters": {"kind": "${encode.output.kind}"},
             "decisionCases": {"hd": [{"name": "publish_hd", "taskReferenceName": "publish_hd"}]}}],
          "outputParameters": {"location": "${encode.output.location}"}})");
  REQUIRE(def.tasks.size() == 2);
  CHECK(def.tasks[1].decision_cases.at(0).first == "hd");
  CHECK(def.tasks[1].decision_cases.at(0).second.at(0).type == "SIMPLE");

  const Json json = to_json(def);
  const auto& o = as_object(json);
  CHECK(o.at("name") == "media_pipeline");
  CHECK(o.at("version") == 1);
  CHECK(o.at("schemaVersion") == 2);
  CHECK(o.at("inputParameters") == JsonArray{});
  CHECK(o.at("inputTemplate") == JsonObject{});
  CHECK(o.at("variables") == JsonObject{});
  CHECK(o.at("restartable") == true);
  CHECK(o.at("workflowStatusListenerEnabled") == false);
  CHECK(o.at("timeoutPolicy") == "ALERT_ONLY");
  CHECK(o.at("timeoutSeconds") == 0);
  CHECK(o.at("enforceSchema") == true);
  CHECK(o.at("metadata") == JsonObject{});
  CHECK(o.at("maskedFields") == JsonArray{});
  CHECK(o.at("createTime") == 0);
  CHECK(o.at("updateTime") == 0);
  CHECK(o.at("outputParameters").at("location") == "${encode.output.location}");
  for (const char* absent : {"description", "failureWorkflow", "failureWorkflowVersion", "workflowStatusListenerSink",
                             "rateLimitConfig", "inputSchema", "outputSchema", "cacheConfig", "ownerApp"}) {
    INFO(absent);
    CHECK_FALSE(o.contains(absent));
  }

  const auto& node = as_object(o.at("tasks").at(1));
  CHECK(node.at("type") == "SWITCH");
  CHECK(node.at("startDelay") == 0);
  CHECK(node.at("optional") == false);
  CHECK(node.at("asyncComplete") == false);
  CHECK(node.at("permissive") == false);
  CHECK(node.at("defaultCase") == JsonArray{});
  CHECK(node.at("forkTasks") == JsonArray{});
  CHECK(node.at("joinOn") == JsonArray{});
  CHECK(node.at("defaultExclusiveJoinTask") == JsonArray{});
  CHECK(node.at("loopOver") == JsonArray{});
  CHECK(node.at("onStateChange") == JsonObject{});
  CHECK(node.at("metadata") == JsonObject{});
  CHECK(node.at("decisionCases").at("hd").at(0).at("type") == "SIMPLE");
  for (const char* absent : {"description", "retryCount", "rateLimited", "taskDefinition", "joinMode",
                             "subWorkflowParam", "sink", "loopCondition", "cacheConfig"}) {
    INFO(absent);
    CHECK_FALSE(node.contains(absent));
  }
}

TEST_CASE("codec: the start request wire example decodes", "[unit]") {
  const auto request = decode<StartWorkflowRequest>(
      R"({"name": "media_pipeline", "correlationId": "order-991", "priority": 5,
          "input": {"url": "s3://bucket/in.mov"}, "taskToDomain": {"*": "blue,NO_DOMAIN"}})");
  CHECK(request.name == "media_pipeline");
  CHECK_FALSE(request.version.has_value());
  CHECK(request.correlation_id == "order-991");
  CHECK(request.priority == 5);
  REQUIRE(request.input.has_value());
  CHECK(request.input->at("url") == "s3://bucket/in.mov");
  CHECK(request.task_to_domain.at("*") == "blue,NO_DOMAIN");

  const auto& o = as_object(to_json(request));
  CHECK(o.at("taskToDomain").at("*") == "blue,NO_DOMAIN");
  CHECK_FALSE(o.contains("version"));
  CHECK_FALSE(o.contains("workflowDef"));

  // Missing input is `{}`; an explicit null is kept apart so the service can reject it.
  CHECK(decode<StartWorkflowRequest>(R"({"name": "x"})").input == JsonObject{});
  CHECK_FALSE(decode<StartWorkflowRequest>(R"({"name": "x", "input": null})").input.has_value());
}

TEST_CASE("codec: the task result wire examples decode and re-encode", "[unit]") {
  const auto progress = decode<TaskResult>(
      R"({"workflowInstanceId": "5b0c2f7e", "taskId": "a41e", "status": "IN_PROGRESS",
          "callbackAfterSeconds": 30, "outputData": {"percent": 40}})");
  CHECK(progress.status == TaskResultStatus::kInProgress);
  CHECK(progress.callback_after_seconds == 30);
  CHECK(progress.output_data.at("percent") == 40);
  CHECK(progress.logs.empty());

  const auto done = decode<TaskResult>(
      R"({"workflowInstanceId": "5b0c2f7e", "taskId": "a41e", "status": "COMPLETED", "workerId": "host-7",
          "outputData": {"location": "s3://bucket/out.mp4", "kind": "hd"},
          "logs": [{"log": "encoded in 41s", "createdTime": 1714557641000}]})");
  CHECK(done.status == TaskResultStatus::kCompleted);
  CHECK(done.worker_id == "host-7");
  REQUIRE(done.logs.size() == 1);
  CHECK(done.logs[0].log == "encoded in 41s");
  CHECK(done.logs[0].created_time == 1714557641000);
  CHECK(done.logs[0].task_id.empty());

  const auto& o = as_object(to_json(done));
  CHECK(o.at("extendLease") == false);
  CHECK(o.at("callbackAfterSeconds") == 0);
  CHECK(o.at("logs").at(0).at("createdTime") == 1714557641000);
  CHECK_FALSE(o.contains("reasonForIncompletion"));
  CHECK_FALSE(o.contains("executionMetadata"));

  CHECK_FALSE(decode<TaskResult>(R"({"taskId": "t"})").status.has_value());
}

TEST_CASE("codec: the polled task wire example decodes", "[unit]") {
  const auto task = decode<Task>(
      R"({"taskId": "t-1", "taskType": "encode_video", "status": "IN_PROGRESS", "referenceTaskName": "encode",
          "workflowInstanceId": "wf-1", "inputData": {"url": "s3://bucket/in.mov"}, "pollCount": 1,
          "taskDefName": "encode_video", "loopOverTask": true, "queueWaitTime": 55, "taskDefinition": null})");
  CHECK(task.task_type == "encode_video");
  CHECK(task.status == TaskStatus::kInProgress);
  CHECK(task.poll_count == 1);
  CHECK(task.iteration == 0);  // derived properties are ignored on input
  CHECK(task.callback_from_worker == true);
  CHECK(task.input_data.at("url") == "s3://bucket/in.mov");
}

TEST_CASE("codec: the bulk answer wire example round trips exactly", "[unit]") {
  const std::string text =
      R"({"bulkErrorResults": {"id-2": "No such workflow found by id: id-2"}, "bulkSuccessfulResults": ["id-1"]})";
  const auto response = decode<BulkResponse>(text);
  CHECK(response.bulk_successful_results == std::vector<std::string>{"id-1"});
  CHECK(response.bulk_error_results.at("id-2") == "No such workflow found by id: id-2");
  CHECK(to_json(response) == parse(text));
}

TEST_CASE("codec: the search answer wire example round trips exactly", "[unit]") {
  const Json example = parse(R"({"totalHits": 1, "results": [{"workflowType": "media_pipeline", "version": 1,
      "workflowId": "5b0c2f7e", "correlationId": "order-991", "startTime": "2024-05-01T10:00:00.000Z",
      "updateTime": "2024-05-01T10:02:11.004Z", "endTime": "2024-05-01T10:02:11.004Z", "status": "FAILED",
      "input": "{url=s3://bucket/in.mov}", "output": "{}", "reasonForIncompletion": "x", "executionTime": 131004,
      "failedReferenceTaskNames": "encode", "failedTaskNames": ["encode_video"], "priority": 5,
      "taskToDomain": {"*": "blue,NO_DOMAIN"}, "parentWorkflowId": "", "classifier": "workflow",
      "inputSize": 24, "outputSize": 2}]})");
  const auto result = decode<SearchResult<WorkflowSummary>>(example);
  CHECK(result.total_hits == 1);
  REQUIRE(result.results.size() == 1);
  const WorkflowSummary& summary = result.results[0];
  CHECK(summary.start_time == 1714557600000);
  CHECK(summary.update_time == 1714557731004);
  CHECK(summary.end_time == 1714557731004);
  CHECK(summary.status == WorkflowStatus::kFailed);
  CHECK(summary.failed_reference_task_names == "encode");
  CHECK(summary.input == "{url=s3://bucket/in.mov}");
  CHECK(to_json(result) == example);
}

TEST_CASE("codec: decoding does not depend on property order", "[unit]") {
  for (const JsonMode mode : {JsonMode::kWire, JsonMode::kStorage}) {
    const Json stored = to_json(full_task(), mode);
    JsonObject reversed;
    const auto& object = stored.get_object();
    for (auto it = object.end(); it != object.begin();) {
      --it;
      reversed.emplace(it->key(), it->value());
    }
    CHECK(to_json(decode<Task>(Json(reversed), mode), mode) == stored);
  }
}

TEST_CASE("codec: summaries render times as ISO-8601 UTC strings", "[unit]") {
  WorkflowSummary running;
  running.start_time = 1714557600123;
  const auto& w = as_object(to_json(running));
  CHECK(w.at("startTime") == "2024-05-01T10:00:00.123Z");
  CHECK(w.at("updateTime") == "1970-01-01T00:00:00.000Z");
  CHECK_FALSE(w.contains("endTime"));
  CHECK(w.at("parentWorkflowId") == "");
  CHECK(w.at("classifier") == "workflow");
  CHECK(w.at("failedReferenceTaskNames") == "");
  CHECK(w.at("inputSize") == 0);

  const auto& t = as_object(to_json(TaskSummary{}));
  for (const char* key : {"scheduledTime", "startTime", "updateTime", "endTime"}) {
    INFO(key);
    CHECK(t.at(key) == "1970-01-01T00:00:00.000Z");
  }
  CHECK(t.at("status") == "SCHEDULED");

  TaskSummary dated;
  dated.start_time = 951782400007;   // a leap day
  dated.end_time = -1;               // a millisecond before the epoch
  dated.update_time = 253402300799999;  // the last millisecond of year 9999
  const auto& d = as_object(to_json(dated));
  CHECK(d.at("startTime") == "2000-02-29T00:00:00.007Z");
  CHECK(d.at("endTime") == "1969-12-31T23:59:59.999Z");
  CHECK(d.at("updateTime") == "9999-12-31T23:59:59.999Z");

  CHECK(decode<TaskSummary>(R"({"startTime": "1999-12-31T23:59:59Z"})").start_time == 946684799000);
  CHECK(decode<TaskSummary>(R"({"startTime": 42})").start_time == 42);
  require_violation<TaskSummary>(R"({"endTime": "2024-13-01T00:00:00.000Z"})", "endTime", "expected ISO-8601 time");
  require_violation<WorkflowSummary>(R"({"startTime": "yesterday"})", "startTime", "expected ISO-8601 time");
}

TEST_CASE("codec: explicit null gives 0/false for primitives, empty for collections, nothing for optionals",
          "[unit]") {
  const auto def = decode<TaskDef>(
      R"({"name": "t", "retryCount": null, "responseTimeoutSeconds": null, "taskStatusListenerEnabled": null,
          "inputKeys": null, "inputTemplate": null, "ownerEmail": null, "pollTimeoutSeconds": null,
          "retryLogic": null, "inputSchema": null})");
  CHECK(def.retry_count == 0);
  CHECK(def.response_timeout_seconds == 0);
  CHECK(def.task_status_listener_enabled == false);
  CHECK(def.input_keys.empty());
  CHECK(def.input_template.empty());
  CHECK_FALSE(def.owner_email.has_value());
  CHECK_FALSE(def.poll_timeout_seconds.has_value());
  CHECK(def.retry_logic == RetryLogic::kFixed);
  CHECK_FALSE(def.input_schema.has_value());

  const auto node = decode<WorkflowTask>(R"({"name": "n", "type": null, "decisionCases": null, "forkTasks": null})");
  CHECK(node.type == "SIMPLE");
  CHECK(node.decision_cases.empty());
  CHECK(node.fork_tasks.empty());

  // Nulls inside free-form maps survive.
  const auto task = decode<Task>(R"({"inputData": {"k": null}})");
  CHECK(to_json(task).at("inputData") == parse(R"({"k": null})"));
}

TEST_CASE("codec: missing fields take the model default and unknown fields are ignored", "[unit]") {
  const auto def = decode<TaskDef>(R"({"name": "t", "surprise": {"deep": [1, 2]}, "inputMessage": null})");
  CHECK(def.retry_count == 3);
  CHECK(def.retry_delay_seconds == 60);
  CHECK(def.response_timeout_seconds == 3600);
  CHECK(def.rate_limit_frequency_in_seconds == 1);
  CHECK(def.task_status_listener_enabled == true);
  CHECK_FALSE(as_object(to_json(def)).contains("surprise"));

  const auto wf = decode<WorkflowDef>(R"({"name": "w"})");
  CHECK(wf.version == 1);
  CHECK(wf.schema_version == 2);
  CHECK(wf.restartable == true);
  CHECK(wf.enforce_schema == true);
  CHECK(wf.timeout_policy == WorkflowTimeoutPolicy::kAlertOnly);

  CHECK(decode<EventHandler>(R"({"name": "h"})").active == false);
  CHECK(decode<WorkflowSummary>(R"({})").classifier == "workflow");
}

TEST_CASE("codec: from_json replaces every field of the target", "[unit]") {
  TaskDef def = full_task_def();
  from_json(parse(R"({"name": "fresh"})"), def);
  CHECK(def.name == "fresh");
  CHECK(def.retry_count == 3);
  CHECK_FALSE(def.description.has_value());
  CHECK(def.input_keys.empty());
}

TEST_CASE("codec: wrong JSON types are validation errors naming the field", "[unit]") {
  require_violation<TaskDef>(R"({"name": 5})", "name", "expected string");
  require_violation<TaskDef>(R"({"retryCount": "3"})", "retryCount", "expected integer");
  require_violation<TaskDef>(R"({"retryCount": 2.5})", "retryCount", "expected integer");
  require_violation<TaskDef>(R"({"retryCount": 2147483648})", "retryCount", "integer out of range");
  require_violation<TaskDef>(R"({"retryCount": -2147483649})", "retryCount", "integer out of range");
  require_violation<TaskDef>(R"({"timeoutSeconds": 1e300})", "timeoutSeconds", "integer out of range");
  require_violation<TaskDef>(R"({"timeoutSeconds": 18446744073709551615})", "timeoutSeconds",
                             "integer out of range");
  require_violation<TaskDef>(R"({"enforceSchema": "true"})", "enforceSchema", "expected boolean");
  require_violation<TaskDef>(R"({"inputKeys": "a"})", "inputKeys", "expected array");
  require_violation<TaskDef>(R"({"inputKeys": ["a", 1]})", "inputKeys[1]", "expected string");
  require_violation<TaskDef>(R"({"inputTemplate": []})", "inputTemplate", "expected object");
  require_violation<TaskDef>(R"({"retryLogic": "SOMETIMES"})", "retryLogic", "unknown value");
  require_violation<TaskDef>(R"({"retryLogic": 1})", "retryLogic", "expected string");
  require_violation<TaskDef>(R"({"inputSchema": {"type": "XML"}})", "inputSchema.type", "unknown value");
  require_violation<TaskDef>(R"([1, 2])", "", "expected object");
  require_violation<StartWorkflowRequest>(R"({"taskToDomain": {"*": 1}})", "taskToDomain[*]", "expected string");
  require_violation<StartWorkflowRequest>(R"({"input": "x"})", "input", "expected object");

  CHECK(decode<TaskDef>(R"({"retryCount": 2.0, "timeoutSeconds": 9007199254740992})").retry_count == 2);
  CHECK(decode<TaskDef>(R"({"timeoutSeconds": -5})").timeout_seconds == -5);

  try {
    decode<TaskDef>(R"({"retryLogic": "SOMETIMES"})");
    FAIL("no error");
  } catch (const ValidationError& e) {
    CHECK(e.violations().front().invalid_value == "SOMETIMES");
    CHECK(e.code() == ErrorCode::kValidation);
  }
}

TEST_CASE("codec: nested type errors carry the full path", "[unit]") {
  require_violation<WorkflowDef>(
      R"({"name": "w", "tasks": [{"name": "a", "taskReferenceName": "a"},
                                 {"name": "b", "taskReferenceName": "b", "retryCount": "x"}]})",
      "tasks[1].retryCount", "expected integer");
  require_violation<WorkflowDef>(
      R"({"tasks": [{"decisionCases": {"hd": [{"name": "p"}, {"startDelay": true}]}}]})",
      "tasks[0].decisionCases[hd][1].startDelay", "expected integer");
  require_violation<WorkflowDef>(R"({"tasks": [{"forkTasks": [[], [{"optional": 1}]]}]})",
                                 "tasks[0].forkTasks[1][0].optional", "expected boolean");
  require_violation<WorkflowDef>(R"({"tasks": [{"taskDefinition": {"timeoutPolicy": "NEVER"}}]})",
                                 "tasks[0].taskDefinition.timeoutPolicy", "unknown value");
  require_violation<WorkflowDef>(R"({"tasks": [{"loopOver": [{"joinMode": "MAYBE"}]}]})",
                                 "tasks[0].loopOver[0].joinMode", "unknown value");
  require_violation<WorkflowDef>(R"({"tasks": [5]})", "tasks[0]", "expected object");
  require_violation<WorkflowDef>(R"({"rateLimitConfig": {"policy": "DROP"}})", "rateLimitConfig.policy",
                                 "unknown value");
  require_violation<WorkflowDef>(R"({"tasks": [{"onStateChange": {"onStart": [{"type": 1}]}}]})",
                                 "tasks[0].onStateChange[onStart][0].type", "expected string");
  require_violation<Workflow>(R"({"tasks": [{}, {"workflowTask": {"subWorkflowParam": {"version": "2"}}}]})",
                              "tasks[1].workflowTask.subWorkflowParam.version", "expected integer");
  require_violation<Workflow>(R"({"history": [{"status": "DONE"}]})", "history[0].status", "unknown value");
  require_violation<EventHandler>(R"({"actions": [{"action": "start_workflow", "start_workflow": {"version": "x"}}]})",
                                  "actions[0].start_workflow.version", "expected integer");
  require_violation<EventHandler>(R"({"actions": [{"action": "START_WORKFLOW"}]})", "actions[0].action",
                                  "unknown value");
  require_violation<TaskResult>(R"({"logs": [{"createdTime": "now"}]})", "logs[0].createdTime", "expected integer");
}

TEST_CASE("codec: storage mode carries the engine bookkeeping that wire mode hides", "[unit]") {
  const Task task = full_task();
  const auto& wire = as_object(to_json(task));
  for (const char* key : {"firstScheduledTime", "callbackAfterMs", "waitTimeout"}) {
    INFO(key);
    CHECK_FALSE(wire.contains(key));
  }
  const Json stored = to_json(task, JsonMode::kStorage);
  CHECK(stored.at("firstScheduledTime") == 900);
  CHECK(stored.at("callbackAfterMs") == 2500);
  CHECK(stored.at("waitTimeout") == 99000);
  // Wire decoding does not trust bookkeeping sent by a client.
  CHECK(decode<Task>(stored).wait_timeout == 0);
  CHECK(decode<Task>(stored, JsonMode::kStorage).wait_timeout == 99000);

  const Workflow wf = full_workflow();
  const auto& wf_wire = as_object(to_json(wf));
  CHECK_FALSE(wf_wire.contains("previousStatus"));
  CHECK_FALSE(wf_wire.contains("failedTaskId"));
  const Json wf_stored = to_json(wf, JsonMode::kStorage);
  CHECK(wf_stored.at("previousStatus") == "RUNNING");
  CHECK(wf_stored.at("failedTaskId") == "task-1");
  CHECK(wf_stored.at("tasks").at(0).at("waitTimeout") == 99000);
  CHECK_FALSE(decode<Workflow>(wf_stored).previous_status.has_value());
}

TEST_CASE("codec: task derived properties appear on the wire only", "[unit]") {
  Task task;
  task.task_type = "WAIT";
  task.scheduled_time = 1000;
  task.start_time = 1750;
  task.output_data = parse(R"({"subWorkflowId": "from-output"})").get_object();
  task.input_data = parse(R"({"subWorkflowId": "from-input"})").get_object();

  const auto& o = as_object(to_json(task));
  CHECK(o.at("taskDefName") == "WAIT");
  CHECK(o.at("loopOverTask") == false);
  CHECK(o.at("queueWaitTime") == 750);
  CHECK(o.at("subWorkflowId") == "from-output");
  CHECK(o.at("taskDefinition").is_null());
  CHECK(o.at("callbackFromWorker") == true);
  CHECK_FALSE(o.contains("runtimeMetadata"));
  CHECK_FALSE(o.contains("executionMetadata"));
  CHECK_FALSE(o.contains("workflowTask"));
  CHECK_FALSE(o.contains("correlationId"));

  const auto& stored = as_object(to_json(task, JsonMode::kStorage));
  for (const char* key : {"loopOverTask", "queueWaitTime", "taskDefinition", "subWorkflowId"}) {
    INFO(key);
    CHECK_FALSE(stored.contains(key));
  }
  CHECK(stored.at("taskDefName") == "");

  task.output_data.clear();
  CHECK(to_json(task).at("subWorkflowId") == "from-input");
  task.sub_workflow_id = "own";
  CHECK(to_json(task).at("subWorkflowId") == "own");

  task.iteration = 1;
  task.task_def_name = "def";
  task.workflow_task = simple_task("n");
  task.workflow_task.edit().task_definition = full_task_def();
  task.runtime_metadata = {{"k", "v"}};
  task.execution_metadata = JsonObject{};
  const auto& later = as_object(to_json(task));
  CHECK(later.at("taskDefName") == "def");
  CHECK(later.at("loopOverTask") == true);
  CHECK(later.at("taskDefinition").at("name") == "encode_video");
  CHECK(later.at("runtimeMetadata").at("k") == "v");
  CHECK_FALSE(later.contains("executionMetadata"));

  // With a callback pending the wait counts from the end of the callback delay; never negative.
  task.update_time = 4'000'000'000'000;
  task.callback_after_seconds = 10;
  CHECK(to_json(task).at("queueWaitTime") == 0);
}

TEST_CASE("codec: workflow derived properties appear on the wire only", "[unit]") {
  Workflow wf;
  wf.workflow_definition.edit().name = "media_pipeline";
  wf.workflow_definition.edit().version = 3;
  wf.create_time = 1234;
  const auto& o = as_object(to_json(wf));
  CHECK(o.at("workflowName") == "media_pipeline");
  CHECK(o.at("workflowVersion") == 3);
  CHECK(o.at("startTime") == 1234);
  CHECK(o.at("createTime") == 1234);
  CHECK(o.at("updateTime") == 0);
  CHECK(o.at("endTime") == 0);
  CHECK(o.at("tasks") == JsonArray{});
  CHECK(o.at("history") == JsonArray{});
  CHECK(o.at("failedReferenceTaskNames") == JsonArray{});
  CHECK(o.at("taskToDomain") == JsonObject{});
  CHECK(o.at("rateLimited") == false);
  CHECK(o.at("status") == "RUNNING");
  CHECK_FALSE(o.contains("correlationId"));
  CHECK_FALSE(o.contains("parentWorkflowId"));

  const auto& stored = as_object(to_json(wf, JsonMode::kStorage));
  CHECK_FALSE(stored.contains("workflowName"));
  CHECK_FALSE(stored.contains("startTime"));
}

TEST_CASE("codec: sub-workflow params report the inline definition's name and version", "[unit]") {
  const auto params =
      decode<SubWorkflowParams>(R"({"name": "outer", "workflowDefinition": {"name": "inline", "version": 7}})");
  CHECK(params.name == "outer");
  const auto& o = as_object(to_json(params));
  CHECK(o.at("name") == "inline");
  CHECK(o.at("version") == 7);
  CHECK(o.at("workflowDefinition").at("name") == "inline");

  const auto expression = decode<SubWorkflowParams>(R"({"name": "n", "workflowDefinition": "${workflow.input.d}"})");
  CHECK(to_json(expression).at("name") == "n");
  CHECK_FALSE(as_object(to_json(expression)).contains("version"));
  CHECK(decoded_text<SubWorkflowParams>(R"({"name":"n","workflowDefinition":"${workflow.input.d}"})") ==
        R"({"name":"n","workflowDefinition":"${workflow.input.d}"})");
}

TEST_CASE("codec: event handlers use Conductor's underscore property names", "[unit]") {
  const auto handler = decode<EventHandler>(
      R"({"name": "h", "event": "conductor:wf:task", "active": true,
          "actions": [{"action": "complete_task", "complete_task": {"workflowId": "${workflowId}",
                        "taskRefName": "wait", "output": {"ok": true}}, "expandInlineJSON": true},
                      {"action": "start_workflow", "start_workflow": {"name": "next"}}]})");
  REQUIRE(handler.actions.size() == 2);
  CHECK(handler.actions[0].action == EventActionType::kCompleteTask);
  REQUIRE(handler.actions[0].complete_task.has_value());
  CHECK(handler.actions[0].complete_task->task_ref_name == "wait");
  CHECK(handler.actions[0].expand_inline_json == true);
  REQUIRE(handler.actions[1].start_workflow.has_value());
  CHECK(handler.actions[1].start_workflow->name == "next");

  const auto& start = as_object(to_json(handler).at("actions").at(1));
  CHECK(start.at("action") == "start_workflow");
  CHECK(start.at("expandInlineJSON") == false);
  CHECK(start.at("start_workflow") == parse(R"({"name": "next", "input": {}})"));
  CHECK_FALSE(start.contains("complete_task"));
}

TEST_CASE("codec: JSON text helpers parse and print", "[unit]") {
  CHECK(parse_json_text(R"({"a": [1, "x", null]})").at("a").at(1) == "x");
  CHECK(to_json_text(parse_json_text(R"({"a":1})")) == R"({"a":1})");
  try {
    parse_json_text(R"({"a": )");
    FAIL("no error");
  } catch (const ValidationError& e) {
    CHECK(std::string(e.what()).rfind("Invalid JSON: ", 0) == 0);
  }
  CHECK_THROWS_AS(decode<TaskDef>(std::string_view("not json")), ValidationError);
  CHECK(encode(CacheConfig{"k", 1}) == R"({"key":"k","ttlInSecond":1})");
}

TEST_CASE("codec: inline sub-workflow definitions are checked and completed", "[unit]") {
  const auto params = decode<SubWorkflowParams>(
      R"({"name": "n", "workflowDefinition": {"name": "inline", "tasks": [{"name": "a", "taskReferenceName": "a"}]}})");
  REQUIRE(params.workflow_definition.has_value());
  const Json& def = *params.workflow_definition;
  CHECK(def.at("schemaVersion") == 2);
  CHECK(def.at("tasks").at(0).at("type") == "SIMPLE");
  CHECK(decode<WorkflowDef>(def).tasks.at(0).name == "a");

  require_violation<SubWorkflowParams>(R"({"workflowDefinition": "child_flow"})", "workflowDefinition",
                                       "expected a workflow definition object or a ${...} expression");
  require_violation<SubWorkflowParams>(R"({"workflowDefinition": 3})", "workflowDefinition",
                                       "expected a workflow definition object or a ${...} expression");
  require_violation<WorkflowDef>(
      R"({"tasks": [{"subWorkflowParam": {"workflowDefinition": {"tasks": [{"retryCount": "x"}]}}}]})",
      "tasks[0].subWorkflowParam.workflowDefinition.tasks[0].retryCount", "expected integer");
  CHECK_FALSE(decode<SubWorkflowParams>(R"({"workflowDefinition": null})").workflow_definition.has_value());
}

TEST_CASE("codec: search results wrap summaries and executions", "[unit]") {
  SearchResult<WorkflowSummary> workflows{7, {full_workflow_summary()}};
  const Json json = to_json(workflows);
  CHECK(json.at("totalHits") == 7);
  CHECK(json.at("results").at(0).at("startTime") == "2024-05-01T10:00:00.000Z");
  check_round_trips(workflows);
  check_round_trips(SearchResult<TaskSummary>{1, {full_task_summary()}});
  check_round_trips(SearchResult<Workflow>{1, {full_workflow()}});
  check_round_trips(SearchResult<Task>{2, {full_task(), Task{}}});
  require_violation<SearchResult<Task>>(R"({"results": [{}, {"status": "NOPE"}]})", "results[1].status",
                                        "unknown value");
}

TEST_CASE("codec: lists of models decode with indexed violation paths", "[unit]") {
  const auto defs = decode_list<TaskDef>(parse(R"([{"name": "a"}, {"name": "b", "retryCount": 0}])"));
  REQUIRE(defs.size() == 2);
  CHECK(defs[0].retry_count == 3);
  CHECK(defs[1].retry_count == 0);
  const Json array = to_json_array(defs);
  REQUIRE(array.is_array());
  CHECK(array.at(1).at("name") == "b");
  CHECK(decode_list<TaskDef>(array).size() == 2);

  try {
    decode_list<TaskDef>(parse(R"([{"name": "a"}, {"inputKeys": [1]}])"));
    FAIL("no error");
  } catch (const ValidationError& e) {
    REQUIRE(e.violations().size() == 1);
    CHECK(e.violations()[0].path == "[1].inputKeys[0]");
    CHECK(std::string(e.what()) == "[1].inputKeys[0]: expected string");
  }
  try {
    decode_list<TaskDef>(parse(R"([{}, 4])"));
    FAIL("no error");
  } catch (const ValidationError& e) {
    CHECK(e.violations().at(0).path == "[1]");
    CHECK(e.violations().at(0).message == "expected object");
  }
  CHECK_THROWS_AS(decode_list<TaskDef>(parse(R"({"name": "a"})")), ValidationError);
}
