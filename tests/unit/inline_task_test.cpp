#include "task_fixture.hpp"

#include <boost/json/parse.hpp>

using namespace conductor;
using namespace conductor::detail;

namespace {

// Maps and executes one INLINE task with these input parameters.
Task run(const std::string& input_parameters, JsonObject workflow_input = {}) {
  TaskFixture f(fmt::format(R"({{"name": "wf", "tasks": [{{"name": "calc", "taskReferenceName": "calc",
      "type": "INLINE", "inputParameters": {}}}]}})",
                            input_parameters),
                std::move(workflow_input));
  f.add(f.map("calc"));
  CHECK(f.execute("calc"));
  return f.task("calc");
}

}  // namespace

TEST_CASE("inline task: the mapper resolves the input with the task id and leaves the task IN_PROGRESS", "[unit]") {
  TaskFixture f(R"({"name": "wf", "tasks": [{"name": "calc", "taskReferenceName": "calc", "type": "INLINE",
      "inputParameters": {"expression": "1", "id": "${CPEWF_TASK_ID}", "x": "${workflow.input.x}"}}]})",
                {{"x", 7}});
  auto tasks = f.map("calc");
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].task_type == "INLINE");
  CHECK(tasks[0].task_def_name == "calc");
  CHECK(tasks[0].status == TaskStatus::kInProgress);
  CHECK(tasks[0].start_time == 1000);
  CHECK(tasks[0].input_data.at("id") == Json(tasks[0].task_id));
  CHECK(tasks[0].input_data.at("x") == 7);
}

TEST_CASE("inline task: execute completes with the result", "[unit]") {
  auto calc = run(R"({"evaluatorType": "javascript", "expression": "$.x * 2", "x": "${workflow.input.x}"})",
                  {{"x", 21}});
  CHECK(calc.status == TaskStatus::kCompleted);
  CHECK(calc.output_data == JsonObject{{"result", 42}});
  SECTION("javascript is the evaluator when none is given") {
    CHECK(run(R"({"expression": "'js'"})").output_data.at("result") == "js");
  }
  SECTION("graaljs is the same engine") {
    CHECK(run(R"({"evaluatorType": "graaljs", "expression": "[1, 2].length"})").output_data.at("result") == 2);
  }
  SECTION("value-param reads the named input") {
    CHECK(run(R"({"evaluatorType": "value-param", "expression": "v", "v": [true]})").output_data.at("result") ==
          boost::json::parse("[true]"));
  }
  SECTION("a null result is kept") {
    auto none = run(R"({"expression": "null"})");
    CHECK(none.status == TaskStatus::kCompleted);
    REQUIRE(none.output_data.contains("result"));
    CHECK(none.output_data.at("result").is_null());
  }
}

TEST_CASE("inline task: bad input and script errors are terminal failures", "[unit]") {
  auto check = [](const Task& t, const std::string& reason) {
    CHECK(t.status == TaskStatus::kFailedWithTerminalError);
    CHECK(t.reason_for_incompletion == reason);
    CHECK(t.output_data.at("error") == Json(reason));
    CHECK_FALSE(t.output_data.contains("result"));
  };
  check(run(R"({"evaluatorType": "", "expression": "1"})"),
        "Empty 'evaluatorType' in INLINE task's input parameters. A non-empty String value must be provided.");
  check(run(R"({"evaluatorType": "jq", "expression": "1"})"), "Unknown evaluator 'jq' in INLINE task.");
  check(run(R"({"evaluatorType": 5, "expression": "1"})"), "Unknown evaluator '5' in INLINE task.");
  check(run(R"({"evaluatorType": "javascript"})"),
        "Empty 'expression' in Inline task's input parameters. A non-empty String value must be provided.");
  check(run(R"({"evaluatorType": "javascript", "expression": 12})"),
        "Empty 'expression' in Inline task's input parameters. A non-empty String value must be provided.");
  auto thrown = run(R"JSON({"expression": "throw new Error('nope')"})JSON");
  check(thrown, "Error evaluating the script `Error: nope` at line 1");
}
