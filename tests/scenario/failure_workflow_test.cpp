#include "engine_fixture.hpp"

using namespace conductor;

namespace {

// `main_wf` runs one worker task `work` (no retries) and names `failure_workflow` to run when it fails;
// the failure workflow has one worker task `cleanup`.
void define(EngineFixture& f, const std::string& failure_workflow) {
  f.task_def(R"({"name": "work", "retryCount": 0})");
  f.workflow_def(R"({"name": "on_failure", "tasks": [{"name": "cleanup", "taskReferenceName": "cleanup",
                     "inputParameters": {"failed": "${workflow.input.workflowId}"}}]})");
  f.workflow_def(R"({"name": "main_wf", "failureWorkflow": ")" + failure_workflow + R"(",
                     "tasks": [{"name": "work", "taskReferenceName": "work"}]})");
}

std::string start_main(EngineFixture& f) {
  StartWorkflowRequest request;
  request.name = "main_wf";
  request.input = JsonObject{{"order", 7}};
  request.correlation_id = "corr-9";
  request.task_to_domain = {{"cleanup", "ops"}};
  return f.engine.executor().start_workflow(request);
}

}  // namespace

SCENARIO("failure workflow: a failed workflow starts its failure workflow with what went wrong", "[scenario]") {
  EngineFixture f;
  define(f, "on_failure");
  auto id = start_main(f);
  auto work = f.poll("work");
  f.report(work, TaskResultStatus::kFailed, {}, "disk full");
  auto failed = f.workflow(id);
  REQUIRE(failed.status == WorkflowStatus::kFailed);
  REQUIRE(failed.output.contains("conductor.failure_workflow"));
  auto handler = f.workflow(std::string(failed.output.at("conductor.failure_workflow").as_string()));

  THEN("it runs with the failed workflow's input, identity and the failure") {
    CHECK(handler.workflow_name() == "on_failure");
    CHECK(handler.status == WorkflowStatus::kRunning);
    CHECK(handler.correlation_id == "corr-9");
    CHECK(handler.task_to_domain == failed.task_to_domain);
    const auto& input = handler.input;
    CHECK(input.at("order") == 7);
    CHECK(input.at("workflowId") == Json(id));
    CHECK(input.at("reason") == Json(*failed.reason_for_incompletion));
    CHECK(input.at("failureStatus") == "FAILED");
    CHECK(input.at("failureTaskId") == Json(work.task_id));
    const auto& snapshot = input.at("failedWorkflow").as_object();
    CHECK(snapshot.at("workflowId") == Json(id));
    CHECK(snapshot.at("status") == "FAILED");
    CHECK(f.poll("cleanup", "ops").input_data.at("failed") == Json(id));
  }
  THEN("the failed workflow is not its parent") { CHECK_FALSE(handler.parent_workflow_id); }
}

TEST_CASE("failure workflow: the name may come from the workflow's input", "[scenario]") {
  EngineFixture f;
  define(f, "$workflow.input.onFailure");
  auto id = f.start("main_wf", {{"onFailure", "on_failure"}});
  f.report(f.poll("work"), TaskResultStatus::kFailed, {}, "boom");
  auto failed = f.workflow(id);
  auto handler = f.workflow(std::string(failed.output.at("conductor.failure_workflow").as_string()));
  CHECK(handler.workflow_name() == "on_failure");
}

TEST_CASE("failure workflow: one that cannot start is reported in the output", "[scenario]") {
  EngineFixture f;
  define(f, "not_registered");
  auto id = f.start("main_wf");
  f.report(f.poll("work"), TaskResultStatus::kFailed, {}, "boom");
  auto failed = f.workflow(id);
  CHECK(failed.status == WorkflowStatus::kFailed);
  CHECK(failed.output.at("conductor.failure_workflow") ==
        "Error workflow not_registered failed to start.  reason: No such workflow defined. name=not_registered, "
        "version=null");
}

TEST_CASE("failure workflow: TERMINATE with FAILED starts it, naming the TERMINATE task", "[scenario]") {
  EngineFixture f;
  define(f, "on_failure");
  f.workflow_def(R"({"name": "stopper", "failureWorkflow": "on_failure", "tasks": [
      {"name": "stop", "taskReferenceName": "stop", "type": "TERMINATE",
       "inputParameters": {"terminationStatus": "FAILED", "terminationReason": "refused"}}]})");
  auto id = f.start("stopper");
  auto failed = f.workflow(id);
  CHECK(failed.status == WorkflowStatus::kFailed);
  auto handler = f.workflow(std::string(failed.output.at("conductor.failure_workflow").as_string()));
  CHECK(handler.input.at("reason") == "refused");
  CHECK(handler.input.at("failureTaskId") == Json(failed.tasks[0].task_id));
}

TEST_CASE("failure workflow: the terminate API does not start it", "[scenario]") {
  EngineFixture f;
  define(f, "on_failure");
  auto id = f.start("main_wf");
  f.engine.executor().terminate(id, "by hand");
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kTerminated);
  CHECK_FALSE(wf.output.contains("conductor.failure_workflow"));
  CHECK(f.nothing_to_poll("cleanup"));
}
