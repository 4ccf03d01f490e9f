#include "engine_fixture.hpp"

using namespace conductor;

namespace {

// A DYNAMIC placeholder whose task name comes from the workflow input, then a fixed task.
const char* kDynamic = R"({
  "name": "dyn", "version": 1, "schemaVersion": 2,
  "tasks": [
    {"name": "placeholder", "taskReferenceName": "dynamic", "type": "DYNAMIC",
     "dynamicTaskNameParam": "taskToExecute",
     "inputParameters": {"taskToExecute": "${workflow.input.task}", "value": "${workflow.input.value}"}},
    {"name": "after", "taskReferenceName": "after", "inputParameters": {"got": "${dynamic.output.result}"}}
  ]
})";

}  // namespace

SCENARIO("DYNAMIC task: the task to run is named by the input", "[scenario]") {
  EngineFixture f;
  for (auto name : {"alpha", "beta", "after"}) f.task_def(fmt::format(R"({{"name": "{}", "retryCount": 0}})", name));
  f.workflow_def(kDynamic);

  GIVEN("a workflow started with task = beta") {
    auto id = f.start("dyn", {{"task", "beta"}, {"value", 7}});

    THEN("a beta task is scheduled under the placeholder's reference name") {
      CHECK(f.nothing_to_poll("alpha"));
      CHECK(f.nothing_to_poll("placeholder"));
      auto t = f.poll("beta");
      CHECK(t.reference_task_name == "dynamic");
      CHECK(t.task_type == "beta");
      CHECK(t.task_def_name == "beta");
      CHECK(t.input_data.at("value") == 7);
      CHECK(t.workflow_task->type == "DYNAMIC");

      AND_WHEN("it completes, the workflow goes on with its output") {
        f.complete(t, {{"result", "B"}});
        auto after = f.poll("after");
        CHECK(after.input_data.at("got") == "B");
        f.complete(after);
        CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
      }
    }
  }
}

TEST_CASE("DYNAMIC task: a missing name fails the workflow", "[scenario]") {
  EngineFixture f;
  f.workflow_def(kDynamic);
  auto wf = f.workflow(f.start("dyn", {{"value", 1}}));
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(wf.tasks.empty());
  CHECK(*wf.reason_for_incompletion ==
        "Cannot map a dynamic task based on the parameter and input. Parameter= taskToExecute, input= "
        "{taskToExecute=null, value=1}");
}

TEST_CASE("DYNAMIC task: it runs under the placeholder's task definition", "[scenario]") {
  // Conductor keeps the definition attached to the placeholder node (an ad hoc one with no retries
  // when the placeholder's name is not registered) rather than the resolved task's.
  EngineFixture f;
  f.task_def(R"({"name": "alpha", "retryCount": 3, "retryDelaySeconds": 0})");
  f.workflow_def(kDynamic);
  auto id = f.start("dyn", {{"task", "alpha"}});
  f.report(f.poll("alpha"), TaskResultStatus::kFailed, {}, "once");
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(wf.tasks.size() == 1);

  f.task_def(R"({"name": "placeholder", "retryCount": 1, "retryDelaySeconds": 0})");
  id = f.start("dyn", {{"task", "alpha"}});
  f.report(f.poll("alpha"), TaskResultStatus::kFailed, {}, "once");
  wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kRunning);
  REQUIRE(wf.tasks.size() == 2);
  CHECK(wf.tasks[1].task_type == "alpha");
  CHECK(wf.tasks[1].status == TaskStatus::kScheduled);
}
