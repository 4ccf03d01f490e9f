#include "task_fixture.hpp"

#include <boost/json/parse.hpp>

using namespace conductor;
using namespace conductor::detail;

namespace {

Task run(const std::string& input_parameters, JsonObject workflow_input = {}) {
  TaskFixture f(fmt::format(R"({{"name": "wf", "tasks": [{{"name": "lam", "taskReferenceName": "lam",
      "type": "LAMBDA", "inputParameters": {}}}]}})",
                            input_parameters),
                std::move(workflow_input));
  auto tasks = f.map("lam");
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].task_type == "LAMBDA");
  CHECK(tasks[0].status == TaskStatus::kInProgress);
  f.add(std::move(tasks));
  CHECK(f.execute("lam"));
  return f.task("lam");
}

}  // namespace

TEST_CASE("lambda task: the script is a function body and its return value the result", "[unit]") {
  auto t = run(R"({"a": "${workflow.input.a}",
                   "scriptExpression": "if ($.a > 1) return {big: true}; return {big: false};"})",
               {{"a", 2}});
  CHECK(t.status == TaskStatus::kCompleted);
  CHECK(t.output_data == boost::json::parse(R"({"result": {"big": true}})").as_object());
  auto nothing = run(R"({"scriptExpression": "var x = 1;"})");
  CHECK(nothing.status == TaskStatus::kCompleted);
  CHECK(nothing.output_data.at("result").is_null());
}

TEST_CASE("lambda task: the body may use ES2020", "[unit]") {
  auto t = run(R"({"n": "${workflow.input.n}",
                   "scriptExpression": "const [first, ...rest] = $.n; return {first, rest: rest.map((x) => x * 2)};"})",
               {{"n", boost::json::array{1, 2, 3}}});
  CHECK(t.status == TaskStatus::kCompleted);
  CHECK(t.output_data == boost::json::parse(R"({"result": {"first": 1, "rest": [4, 6]}})").as_object());
}

TEST_CASE("lambda task: failures are FAILED, not terminal", "[unit]") {
  auto empty = run(R"({"scriptExpression": " "})");
  CHECK(empty.status == TaskStatus::kFailed);
  CHECK(empty.reason_for_incompletion ==
        "Empty 'scriptExpression' in Lambda task's input parameters. A non-empty String value must be provided.");
  auto thrown = run(R"JSON({"scriptExpression": "throw new RangeError('bad');"})JSON");
  CHECK(thrown.status == TaskStatus::kFailed);
  CHECK(thrown.reason_for_incompletion == "Error evaluating the script `RangeError: bad` at line 1");
  CHECK(thrown.output_data.at("error") == Json(*thrown.reason_for_incompletion));
}
