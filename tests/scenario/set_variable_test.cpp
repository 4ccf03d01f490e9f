#include "engine_fixture.hpp"

#include <string>

using namespace conductor;
using Statuses = std::vector<std::string>;

TEST_CASE("set_variable: variables are set and the output can read them", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "setvar", "tasks": [
      {"name": "set_variable_1", "taskReferenceName": "set_variable_1", "type": "SET_VARIABLE",
       "inputParameters": {"var": "${workflow.input.var}"}}],
      "outputParameters": {"variables": "${workflow.variables}"}})");
  auto id = f.start("setvar", {{"var", "var_test_value"}});
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  REQUIRE(wf.tasks.size() == 1);
  CHECK(wf.tasks[0].task_type == "SET_VARIABLE");
  CHECK(wf.tasks[0].status == TaskStatus::kCompleted);
  CHECK(wf.tasks[0].output_data.empty());
  CHECK(wf.variables == JsonObject{{"var", "var_test_value"}});
  CHECK(wf.output == JsonObject{{"variables", JsonObject{{"var", "var_test_value"}}}});
}

SCENARIO("set_variable: later tasks see the new values", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "setvar", "variables": {"count": 1, "keep": "k"}, "tasks": [
      {"name": "first", "taskReferenceName": "first", "inputParameters": {"count": "${workflow.variables.count}"}},
      {"name": "set", "taskReferenceName": "set", "type": "SET_VARIABLE",
       "inputParameters": {"count": "${first.output.next}", "added": true}},
      {"name": "second", "taskReferenceName": "second",
       "inputParameters": {"count": "${workflow.variables.count}", "added": "${workflow.variables.added}",
                           "keep": "${workflow.variables.keep}"}}]})");
  auto id = f.start("setvar");
  auto first = f.poll("first");
  REQUIRE(first.input_data.at("count") == 1);
  WHEN("the task before it completes") {
    f.complete(first, {{"next", 2}});
    THEN("the task mapped right after it in the same decide reads the new values") {
      auto second = f.poll("second");
      CHECK(second.input_data.at("count") == 2);
      CHECK(second.input_data.at("added") == true);
      CHECK(second.input_data.at("keep") == "k");
      CHECK(f.workflow(id).variables == JsonObject{{"count", 2}, {"keep", "k"}, {"added", true}});
    }
  }
}

TEST_CASE("set_variable: variables past the size limit fail the task and change nothing", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "setvar", "variables": {"small": "s"}, "tasks": [
      {"name": "set", "taskReferenceName": "set", "type": "SET_VARIABLE",
       "inputParameters": {"small": "replaced", "big": "${workflow.input.big}"}}]})");
  auto id = f.start("setvar", {{"big", std::string(256 * 1024, 'x')}});
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kFailed);
  REQUIRE(wf.tasks.size() == 1);
  const Task& set = wf.tasks[0];
  CHECK(set.status == TaskStatus::kFailedWithTerminalError);
  // {"small":"replaced","big":"x…x"}
  const std::size_t size = 256 * 1024 + 29;
  CHECK(*set.reason_for_incompletion ==
        fmt::format("The variables payload size: {} of workflow: {} is greater than the permissible limit: 256 "
                    "kilobytes",
                    size, id));
  CHECK(wf.variables == JsonObject{{"small", "s"}});
}
