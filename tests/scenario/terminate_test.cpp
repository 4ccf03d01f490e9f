#include "engine_fixture.hpp"

using namespace conductor;
using Statuses = std::vector<std::string>;

namespace {

// The worker task `calc`, then `stop` (TERMINATE with the given input), then `never`.
std::string define(EngineFixture& f, const std::string& terminate_input) {
  f.workflow_def(R"({"name": "term_wf", "tasks": [
      {"name": "calc", "taskReferenceName": "calc"},
      {"name": "stop", "taskReferenceName": "stop", "type": "TERMINATE", "inputParameters": )" +
                 terminate_input + R"(},
      {"name": "never", "taskReferenceName": "never"}]})");
  return "term_wf";
}

}  // namespace

TEST_CASE("terminate: COMPLETED ends the workflow with workflowOutput as its output", "[scenario]") {
  EngineFixture f;
  auto id = f.start(define(f, R"({"terminationStatus": "COMPLETED", "workflowOutput": "${calc.output}"})"));
  f.complete(f.poll("calc"), {{"result", JsonObject{{"testvalue", true}}}});
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"calc:COMPLETED", "stop:COMPLETED"});
  const Task& stop = wf.tasks[1];
  CHECK(stop.task_type == "TERMINATE");
  CHECK(stop.seq == 2);
  CHECK(wf.output == JsonObject{{"result", JsonObject{{"testvalue", true}}}});
  CHECK(wf.reason_for_incompletion == "Workflow is COMPLETED by TERMINATE task: " + stop.task_id);
  f.advance(60);
  CHECK(f.nothing_to_poll("never"));
}

TEST_CASE("terminate: a value that is not an object becomes output `output`", "[scenario]") {
  EngineFixture f;
  auto id = f.start(define(f, R"({"terminationStatus": "COMPLETED", "workflowOutput": "${calc.output.text}"})"));
  f.complete(f.poll("calc"), {{"text", "task1 completed"}});
  CHECK(f.workflow(id).output == JsonObject{{"output", "task1 completed"}});
}

TEST_CASE("terminate: FAILED fails the workflow with the given reason", "[scenario]") {
  EngineFixture f;
  auto id = f.start(define(f, R"({"terminationStatus": "FAILED", "terminationReason": "bad input",
                                  "workflowOutput": {"code": 42}})"));
  f.complete(f.poll("calc"));
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(wf.reason_for_incompletion == "bad input");
  CHECK(wf.output == JsonObject{{"code", 42}});
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"calc:COMPLETED", "stop:COMPLETED"});
  CHECK(wf.failed_task_id == wf.tasks[1].task_id);
  CHECK(f.nothing_to_poll("never"));
}

TEST_CASE("terminate: TERMINATED without a reason says which task ended it", "[scenario]") {
  EngineFixture f;
  auto id = f.start(define(f, R"({"terminationStatus": "TERMINATED"})"));
  f.complete(f.poll("calc"));
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kTerminated);
  CHECK(wf.output.empty());
  CHECK(wf.reason_for_incompletion == "Workflow is TERMINATED by TERMINATE task: " + wf.tasks[1].task_id);
}

TEST_CASE("terminate: tasks still running in other branches are canceled and a child is terminated", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "child", "tasks": [{"name": "child_task", "taskReferenceName": "c1"}]})");
  f.workflow_def(R"({"name": "forked", "tasks": [
      {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN", "forkTasks": [
        [{"name": "sub", "taskReferenceName": "sub", "type": "SUB_WORKFLOW",
          "subWorkflowParam": {"name": "child", "version": 1}}],
        [{"name": "calc", "taskReferenceName": "calc"},
         {"name": "stop", "taskReferenceName": "stop", "type": "TERMINATE",
          "inputParameters": {"terminationStatus": "COMPLETED"}}]]},
      {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["sub", "stop"]}]})");
  auto id = f.start("forked");
  f.advance(0);
  auto wf = f.workflow(id);
  std::string child_id;
  for (const auto& t : wf.tasks)
    if (t.reference_task_name == "sub") child_id = t.sub_workflow_id.value_or("");
  REQUIRE_FALSE(child_id.empty());
  f.complete(f.poll("calc"));
  wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  std::map<std::string, TaskStatus> status;
  for (const auto& t : wf.tasks) status[t.reference_task_name] = t.status;
  CHECK(status.at("sub") == TaskStatus::kCanceled);
  CHECK(status.at("join") == TaskStatus::kCanceled);
  CHECK(status.at("stop") == TaskStatus::kCompleted);
  auto child = f.workflow(child_id);
  CHECK(child.status == WorkflowStatus::kTerminated);
  CHECK_THAT(*child.reason_for_incompletion,
             Catch::StartsWith("Parent workflow has been terminated with reason: Workflow is COMPLETED by TERMINATE task"));
}
