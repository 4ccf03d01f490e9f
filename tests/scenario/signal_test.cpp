// WorkflowExecutor::signal and signal_and_wait: the run's WAIT task, in the workflow or in a running
// sub-workflow, ends with the signal's status and output.
#include "engine_fixture.hpp"

#include <conductor/error.hpp>

using namespace conductor;
using namespace std::chrono_literals;

namespace {

void define(EngineFixture& f) {
  f.workflow_def(R"({"name": "approval", "tasks": [
      {"name": "wait", "taskReferenceName": "hold", "type": "WAIT"},
      {"name": "notify", "taskReferenceName": "notify", "inputParameters": {"decision": "${hold.output.decision}"}}]})");
  f.workflow_def(R"({"name": "gate", "tasks": [{"name": "wait", "taskReferenceName": "gate", "type": "WAIT"}]})");
  f.workflow_def(R"({"name": "outer", "tasks": [
      {"name": "sub", "taskReferenceName": "sub", "type": "SUB_WORKFLOW", "subWorkflowParam": {"name": "gate", "version": 1}}]})");
  f.workflow_def(R"({"name": "worker_only", "tasks": [{"name": "notify", "taskReferenceName": "notify"}]})");
}

}  // namespace

TEST_CASE("signal: completes the WAIT task with the output and moves the workflow on", "[scenario]") {
  EngineFixture f;
  define(f);
  auto id = f.start("approval");
  auto signalled = f.engine.executor().signal(id, TaskResultStatus::kCompleted, JsonObject{{"decision", "yes"}});
  REQUIRE(signalled);
  CHECK(signalled->reference_task_name == "hold");
  CHECK(signalled->status == TaskStatus::kCompleted);
  auto wf = f.workflow(id);
  CHECK(wf.tasks.at(0).output_data.at("decision") == "yes");
  CHECK(f.poll("notify").input_data.at("decision") == "yes");
}

TEST_CASE("signal: FAILED fails the WAIT task and with it the workflow", "[scenario]") {
  EngineFixture f;
  define(f);
  auto id = f.start("approval");
  REQUIRE(f.engine.executor().signal(id, TaskResultStatus::kFailed, {}));
  CHECK(f.workflow(id).tasks.at(0).status == TaskStatus::kFailed);
  CHECK(f.workflow(id).status == WorkflowStatus::kFailed);
}

TEST_CASE("signal: reaches the WAIT task of a running sub-workflow", "[scenario]") {
  EngineFixture f;
  define(f);
  auto id = f.start("outer");
  f.advance(0);  // the sweeper starts the child
  auto signalled = f.engine.executor().signal(id, TaskResultStatus::kCompleted, JsonObject{{"ok", true}});
  REQUIRE(signalled);
  CHECK(signalled->workflow_instance_id != id);
  CHECK(signalled->reference_task_name == "gate");
  CHECK(f.workflow(signalled->workflow_instance_id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("signal: nothing waiting for a signal changes nothing, an unknown workflow is not found", "[scenario]") {
  EngineFixture f;
  define(f);
  auto id = f.start("worker_only");
  auto before = f.workflow(id);
  CHECK_FALSE(f.engine.executor().signal(id, TaskResultStatus::kCompleted, {}));
  CHECK(f.workflow(id) == before);
  CHECK_THROWS_AS(f.engine.executor().signal_and_wait(id, TaskResultStatus::kCompleted, {}), NotFoundError);
  CHECK_THROWS_AS(f.engine.executor().signal("no-such-id", TaskResultStatus::kCompleted, {}), NotFoundError);

  // A WAIT that has ended is not signalled twice.
  auto gate = f.start("gate");
  REQUIRE(f.engine.executor().signal(gate, TaskResultStatus::kCompleted, {}));
  CHECK_FALSE(f.engine.executor().signal(gate, TaskResultStatus::kCompleted, {}));
}

TEST_CASE("signal and wait: answers the run once it has ended or blocked again", "[scenario]") {
  EngineFixture f;
  define(f);
  f.workflow_def(R"({"name": "two_gates", "tasks": [
      {"name": "wait", "taskReferenceName": "first", "type": "WAIT"},
      {"name": "wait", "taskReferenceName": "second", "type": "WAIT"}]})");
  auto id = f.start("two_gates");
  auto state = f.engine.executor().signal_and_wait(id, TaskResultStatus::kCompleted, {}, {.timeout = 60s});
  REQUIRE(state.blocking_tasks.size() == 1);
  CHECK(state.blocking_tasks.front().reference_task_name == "second");
  state = f.engine.executor().signal_and_wait(id, TaskResultStatus::kCompleted, {}, {.timeout = 60s});
  CHECK(state.target.status == WorkflowStatus::kCompleted);
  CHECK_FALSE(state.timed_out);

  // A run that goes on to a worker's task is answered at the timeout, as it stands.
  auto approval = f.start("approval");
  state = f.engine.executor().signal_and_wait(approval, TaskResultStatus::kCompleted, {}, {.timeout = 0ms});
  CHECK(state.timed_out);
  CHECK(EngineFixture::statuses(state.target) == std::vector<std::string>{"hold:COMPLETED", "notify:SCHEDULED"});
}
