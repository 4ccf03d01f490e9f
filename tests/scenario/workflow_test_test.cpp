// WorkflowExecutor::test_workflow: a run driven by mocked task results that leaves nothing behind.
#include "engine_fixture.hpp"

#include <conductor/error.hpp>

using namespace conductor;

namespace {

void define(EngineFixture& f) {
  f.task_def(R"({"name": "task_a", "retryCount": 0})");
  f.workflow_def(R"({"name": "order", "tasks": [
      {"name": "task_a", "taskReferenceName": "a"},
      {"name": "task_b", "taskReferenceName": "b", "inputParameters": {"fromA": "${a.output.v}"}}],
      "outputParameters": {"b": "${b.output.w}"}})");
  f.workflow_def(R"({"name": "outer", "tasks": [
      {"name": "sub", "taskReferenceName": "sub", "type": "SUB_WORKFLOW", "subWorkflowParam": {"name": "order", "version": 1}},
      {"name": "task_c", "taskReferenceName": "c"}]})");
}

WorkflowTestRequest order_test() {
  WorkflowTestRequest test;
  test.start.name = "order";
  test.task_ref_to_mock_output["a"] = {TaskMock{TaskResultStatus::kCompleted, JsonObject{{"v", 1}}}};
  test.task_ref_to_mock_output["b"] = {TaskMock{TaskResultStatus::kCompleted, JsonObject{{"w", 2}}}};
  return test;
}

/// Nothing of the test is left: no workflow, no task a worker could poll.
void check_no_trace(EngineFixture& f, const Workflow& wf) {
  CHECK_FALSE(f.engine.executor().find_workflow(wf.workflow_id));
  for (const auto& task : wf.tasks) {
    if (task.sub_workflow_id) CHECK_FALSE(f.engine.executor().find_workflow(*task.sub_workflow_id));
  }
  CHECK(f.engine.executor().running_workflow_ids("order").empty());
  CHECK(f.engine.executor().running_workflow_ids("outer").empty());
  CHECK(f.nothing_to_poll("task_a"));
  CHECK(f.nothing_to_poll("task_b"));
}

}  // namespace

TEST_CASE("workflow test: mocks complete the tasks in order and the run is answered", "[scenario]") {
  EngineFixture f;
  define(f);
  auto wf = f.engine.executor().test_workflow(order_test());
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(wf.output.at("b") == 2);
  REQUIRE(wf.tasks.size() == 2);
  CHECK(wf.tasks[1].input_data.at("fromA") == 1);
  // The tasks ran in a domain of their own, which no worker polls.
  REQUIRE(wf.tasks[0].domain);
  CHECK(wf.tasks[0].domain->size() == 36);
  check_no_trace(f, wf);
}

TEST_CASE("workflow test: a FAILED mock fails the run as a worker's failure would", "[scenario]") {
  EngineFixture f;
  define(f);
  auto test = order_test();
  test.task_ref_to_mock_output["a"] = {TaskMock{TaskResultStatus::kFailed, {}}};
  auto wf = f.engine.executor().test_workflow(test);
  CHECK(wf.status == WorkflowStatus::kFailed);
  check_no_trace(f, wf);
}

TEST_CASE("workflow test: a task without a mock stops the run where it stands", "[scenario]") {
  EngineFixture f;
  define(f);
  auto test = order_test();
  test.task_ref_to_mock_output.erase("b");
  auto wf = f.engine.executor().test_workflow(test);
  CHECK(wf.status == WorkflowStatus::kRunning);
  CHECK(EngineFixture::statuses(wf) == std::vector<std::string>{"a:COMPLETED", "b:SCHEDULED"});
  check_no_trace(f, wf);
}

TEST_CASE("workflow test: a sub-workflow runs on its own mocks", "[scenario]") {
  EngineFixture f;
  define(f);
  WorkflowTestRequest test;
  test.start.name = "outer";
  test.sub_workflow_test_request["sub"] = order_test();
  test.task_ref_to_mock_output["c"] = {TaskMock{TaskResultStatus::kCompleted, JsonObject{{"done", true}}}};
  auto wf = f.engine.executor().test_workflow(test);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(EngineFixture::statuses(wf) == std::vector<std::string>{"sub:COMPLETED", "c:COMPLETED"});
  check_no_trace(f, wf);
}

TEST_CASE("workflow test: an unknown workflow is not found and nothing is started", "[scenario]") {
  EngineFixture f;
  WorkflowTestRequest test;
  test.start.name = "missing";
  CHECK_THROWS_AS(f.engine.executor().test_workflow(test), NotFoundError);
  test.start.name.clear();
  CHECK_THROWS_AS(f.engine.executor().test_workflow(test), ValidationError);
}
