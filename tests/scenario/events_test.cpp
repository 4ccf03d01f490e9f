// Event handlers run on the messages of EVENT tasks: start a workflow, complete or fail a waiting
// task, terminate, update variables; conditions filter; each action takes effect once even when the
// message is delivered again.
#include <conductor/error.hpp>

#include "engine_fixture.hpp"
#include "fault_injecting_storage.hpp"

#include <map>
#include <set>

using namespace conductor;

namespace {

constexpr const char* kEvent = "conductor:source:notify";

struct EventsFixture : EngineFixture {
  explicit EventsFixture(std::unique_ptr<Storage> storage = nullptr) : EngineFixture(std::move(storage)) {
    workflow_def(R"({"name": "source", "version": 1, "tasks": [
      {"name": "notify", "taskReferenceName": "notify", "type": "EVENT", "sink": "conductor",
       "inputParameters": {"customer": "${workflow.input.customer}", "kind": "${workflow.input.kind}"}}]})");
    workflow_def(R"({"name": "target", "version": 1, "tasks": [
      {"name": "hold", "taskReferenceName": "hold", "type": "WAIT"}]})");
  }
  void handler(const std::string& json) { engine.metadata().add_event_handler(decode<EventHandler>(json)); }
  std::vector<std::string> running(const std::string& name) {
    return engine.executor().running_workflow_ids(name, std::nullopt);
  }
  std::vector<EventExecution> executions(const std::string& handler_name, const std::string& event = kEvent) {
    return engine.executor().event_executions(handler_name, event);
  }
  std::int64_t queued_events() {
    auto all = engine.queue().all_queue_details();
    auto it = all.find("_events");
    return it == all.end() ? 0 : it->second.size + it->second.unacked;
  }
};

constexpr const char* kStartTarget = R"({"name": "start_target", "event": "conductor:source:notify", "active": true,
  "actions": [{"action": "start_workflow", "start_workflow": {"name": "target", "version": 1,
    "correlationId": "${customer}", "input": {"customer": "${customer}", "from": "${workflowInstanceId}"}}}]})";

}  // namespace

SCENARIO("events: a handler starts a workflow from another workflow's EVENT task", "[scenario]") {
  EventsFixture f;
  f.handler(kStartTarget);
  auto source = f.start("source", {{"customer", "ada"}});
  auto wf = f.workflow(source);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(wf.tasks.at(0).output_data.at("event_produced") == kEvent);
  CHECK(f.running("target").empty());  // handlers run on the engine's own thread, not in the start

  f.engine.run_due();
  auto started = f.running("target");
  REQUIRE(started.size() == 1);
  auto target = f.workflow(started[0]);
  CHECK(target.input.at("customer") == "ada");
  CHECK(target.input.at("from") == Json(source));
  CHECK(target.input.at("conductor.event.messageId") == Json(wf.tasks.at(0).task_id));
  CHECK(target.input.at("conductor.event.name") == kEvent);
  CHECK(target.correlation_id == "ada");
  CHECK(target.event == kEvent);

  auto records = f.executions("start_target");
  REQUIRE(records.size() == 1);
  CHECK(records[0].id == wf.tasks.at(0).task_id + "_0");
  CHECK(records[0].status == EventExecutionStatus::kCompleted);
  CHECK(records[0].action == EventActionType::kStartWorkflow);
  CHECK(records[0].output.at("workflowId") == Json(started[0]));
  CHECK(f.queued_events() == 0);

  f.engine.run_due();  // the message was acknowledged: nothing runs twice
  CHECK(f.running("target").size() == 1);
}

SCENARIO("events: complete_task and fail_task reach a waiting task", "[scenario]") {
  EventsFixture f;
  f.handler(R"({"name": "finish", "event": "conductor:source:notify", "active": true,
    "condition": "$.kind == 'done'",
    "actions": [{"action": "complete_task", "complete_task": {"workflowId": "${customer}", "taskRefName": "hold",
                 "output": {"by": "${workflowInstanceId}"}}}]})");
  f.handler(R"({"name": "reject", "event": "conductor:source:notify", "active": true,
    "condition": "$.kind == 'reject'",
    "actions": [{"action": "fail_task", "fail_task": {"taskId": "${customer}", "reasonForIncompletion": "rejected"}}]})");
  auto completed = f.start("target");
  auto failed = f.start("target");
  auto hold_of = [&](const std::string& id) { return f.workflow(id).tasks.at(0); };

  auto by = f.start("source", {{"customer", completed}, {"kind", "done"}});
  f.start("source", {{"customer", hold_of(failed).task_id}, {"kind", "reject"}});
  f.engine.run_due();

  auto done = f.workflow(completed);
  CHECK(done.status == WorkflowStatus::kCompleted);
  CHECK(done.tasks.at(0).output_data.at("by") == Json(by));
  CHECK(done.tasks.at(0).output_data.at("conductor.event.name") == kEvent);
  auto rejected = f.workflow(failed);
  CHECK(rejected.status == WorkflowStatus::kFailed);
  CHECK(rejected.tasks.at(0).status == TaskStatus::kFailed);
  CHECK(rejected.tasks.at(0).reason_for_incompletion == "rejected");
}

SCENARIO("events: a condition filters events, and the skip is recorded", "[scenario]") {
  EventsFixture f;
  f.handler(R"({"name": "only_vip", "event": "conductor:source:notify", "active": true,
    "condition": "kind", "evaluatorType": "value-param",
    "actions": [{"action": "start_workflow", "start_workflow": {"name": "target", "input": {}}}]})");
  auto ignored = f.start("source", {{"customer", "a"}, {"kind", false}});
  f.start("source", {{"customer", "b"}, {"kind", true}});
  f.engine.run_due();
  CHECK(f.running("target").size() == 1);
  auto records = f.executions("only_vip");
  REQUIRE(records.size() == 2);
  int skipped = 0;
  for (const auto& r : records) {
    if (r.status != EventExecutionStatus::kSkipped) continue;
    ++skipped;
    CHECK(r.message_id == f.workflow(ignored).tasks.at(0).task_id);
    CHECK(r.output.at("condition") == "kind");
  }
  CHECK(skipped == 1);
}

SCENARIO("events: inactive handlers are skipped and a changed handler applies at once", "[scenario]") {
  EventsFixture f;
  auto handler = decode<EventHandler>(kStartTarget);
  handler.active = false;
  f.engine.metadata().add_event_handler(handler);
  f.start("source", {{"customer", "a"}});
  f.engine.run_due();
  CHECK(f.running("target").empty());
  handler.active = true;
  f.engine.metadata().update_event_handler(handler);
  f.start("source", {{"customer", "b"}});
  f.engine.run_due();
  CHECK(f.running("target").size() == 1);
}

SCENARIO("events: terminate_workflow and update_workflow_variables", "[scenario]") {
  EventsFixture f;
  f.handler(R"({"name": "vars_then_stop", "event": "conductor:source:notify", "active": true,
    "actions": [
      {"action": "update_workflow_variables", "update_workflow_variables": {"workflowId": "${customer}",
       "variables": {"seen": "${kind}", "list": [2]}, "appendArray": true}},
      {"action": "terminate_workflow", "terminate_workflow": {"workflowId": "${customer}",
       "terminationReason": "stopped by ${kind}"}}]})");
  auto target = f.start("target");
  f.start("source", {{"customer", target}, {"kind", "event"}});
  f.engine.run_due();
  auto wf = f.workflow(target);
  CHECK(wf.status == WorkflowStatus::kTerminated);
  CHECK(wf.reason_for_incompletion == "stopped by event");
  CHECK(wf.variables.at("seen") == "event");
  auto records = f.executions("vars_then_stop");
  REQUIRE(records.size() == 2);
  CHECK(records[0].status == EventExecutionStatus::kCompleted);
  CHECK(records[1].status == EventExecutionStatus::kCompleted);
}

SCENARIO("events: failing actions are recorded and do not block the message", "[scenario]") {
  EventsFixture f;
  f.handler(R"({"name": "broken", "event": "conductor:source:notify", "active": true,
    "actions": [
      {"action": "start_workflow", "start_workflow": {"name": "no_such_workflow", "input": {}}},
      {"action": "complete_task", "complete_task": {"workflowId": "missing", "taskRefName": "hold"}},
      {"action": "terminate_workflow", "terminate_workflow": {"workflowId": "${customer}"}},
      {"action": "start_workflow", "start_workflow": {"name": "target", "input": {}}}]})");
  auto done = f.start("source", {{"customer", "nobody"}});
  f.engine.run_due();
  auto records = f.executions("broken");
  REQUIRE(records.size() == 4);
  CHECK(records[0].status == EventExecutionStatus::kFailed);
  CHECK(records[0].output.at("exception").as_string().starts_with("No such workflow defined"));
  CHECK(records[1].status == EventExecutionStatus::kCompleted);
  CHECK(records[1].output.at("error") == "No workflow found with ID: missing");
  CHECK(records[2].status == EventExecutionStatus::kFailed);
  CHECK(records[3].status == EventExecutionStatus::kCompleted);  // later actions still run
  CHECK(f.running("target").size() == 1);
  CHECK(f.queued_events() == 0);
  CHECK(f.workflow(done).status == WorkflowStatus::kCompleted);
}

SCENARIO("events: an asyncComplete EVENT task is completed by a handler on its own event", "[scenario]") {
  EventsFixture f;
  f.workflow_def(R"({"name": "ask", "version": 1, "tasks": [
    {"name": "notify", "taskReferenceName": "notify", "type": "EVENT", "sink": "conductor:asks", "asyncComplete": true}]})");
  f.handler(R"({"name": "answer", "event": "conductor:ask:asks", "active": true,
    "actions": [{"action": "complete_task", "complete_task": {"workflowId": "${workflowInstanceId}",
                 "taskRefName": "notify", "output": {"answer": 42}}}]})");
  auto id = f.start("ask");
  CHECK(f.workflow(id).tasks.at(0).status == TaskStatus::kInProgress);
  f.engine.run_due();
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(wf.tasks.at(0).output_data.at("answer") == 42);
  CHECK(f.executions("answer", "conductor:ask:asks").size() == 1);
}

SCENARIO("events: a crash between applying an event and acknowledging it has no duplicate effect", "[scenario]") {
  auto faulty = std::make_unique<testing::FaultInjectingStorage>(open_sqlite({}));
  auto* storage = faulty.get();
  EventsFixture f(std::move(faulty));
  f.handler(kStartTarget);
  storage->fail_commits_removing_from("_events", 1);
  f.start("source", {{"customer", "ada"}});
  f.engine.run_due();  // the workflow starts; the acknowledgement is lost
  CHECK(f.running("target").size() == 1);
  CHECK(f.queued_events() == 1);

  f.advance(61);  // past the redelivery timeout: the message comes back
  CHECK(f.running("target").size() == 1);
  CHECK(f.queued_events() == 0);
  auto records = f.executions("start_target");
  REQUIRE(records.size() == 1);
  CHECK(records[0].status == EventExecutionStatus::kCompleted);
}

SCENARIO("events: an event is published only when the change that produced it commits", "[scenario]") {
  auto faulty = std::make_unique<testing::FaultInjectingStorage>(open_sqlite({}));
  auto* storage = faulty.get();
  EventsFixture f(std::move(faulty));
  f.handler(kStartTarget);
  storage->fail_commits(1);
  CHECK_THROWS_AS(f.start("source", {{"customer", "ada"}}), UnavailableError);
  CHECK(f.queued_events() == 0);
  f.engine.run_due();
  CHECK(f.running("target").empty());
}

SCENARIO("events: a workflow's completion and termination are published to its status sink", "[scenario]") {
  EventsFixture f;
  f.workflow_def(R"({"name": "watched", "version": 1, "workflowStatusListenerEnabled": true,
    "workflowStatusListenerSink": "conductor:finished",
    "tasks": [{"name": "hold", "taskReferenceName": "hold", "type": "WAIT"}]})");
  f.handler(R"({"name": "on_finish", "event": "conductor:finished", "active": true,
    "actions": [{"action": "start_workflow", "start_workflow": {"name": "target",
                 "input": {"finished": "${workflowId}", "status": "${status}"}}}]})");
  auto completed = f.start("watched");
  auto terminated = f.start("watched");
  f.complete(f.workflow(completed).tasks.at(0));
  f.engine.executor().terminate(terminated, "enough");
  f.engine.run_due();
  std::map<std::string, std::string> seen;
  for (const auto& id : f.running("target")) {
    auto input = f.workflow(id).input;
    seen[std::string(input.at("finished").as_string())] = std::string(input.at("status").as_string());
  }
  CHECK(seen == std::map<std::string, std::string>{{completed, "COMPLETED"}, {terminated, "TERMINATED"}});
  auto records = f.executions("on_finish", "conductor:finished");
  std::set<std::string> messages;
  for (const auto& r : records) messages.insert(r.message_id);
  CHECK(messages == std::set<std::string>{completed + ":COMPLETED", terminated + ":TERMINATED"});
}

SCENARIO("events: a status sink the engine cannot publish to is refused", "[scenario]") {
  EventsFixture f;
  CHECK_THROWS_AS(f.workflow_def(R"({"name": "watched", "version": 1, "workflowStatusListenerEnabled": true,
    "workflowStatusListenerSink": "sqs:finished",
    "tasks": [{"name": "hold", "taskReferenceName": "hold", "type": "WAIT"}]})"),
                  ValidationError);
}
