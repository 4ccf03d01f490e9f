#include "engine_fixture.hpp"

#include <boost/json/parse.hpp>

using namespace conductor;
using Statuses = std::vector<std::string>;

namespace {

// One INLINE task `calc` with these input parameters, then a SIMPLE `after` reading its result.
void inline_workflow(EngineFixture& f, const std::string& name, const std::string& calc_input) {
  f.task_def(R"({"name": "after"})");
  f.workflow_def(fmt::format(R"({{"name": "{}", "tasks": [
      {{"name": "calc", "taskReferenceName": "calc", "type": "INLINE", "inputParameters": {}}},
      {{"name": "after", "taskReferenceName": "after", "inputParameters": {{"r": "${{calc.output.result}}"}}}}]}})",
                             name, calc_input));
}

void check_failed_workflow(const Workflow& wf, TaskStatus status, const std::string& reason) {
  CHECK(wf.status == WorkflowStatus::kFailed);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{fmt::format("calc:{}", to_string(status))});
  const auto& calc = wf.tasks[0];
  CHECK(calc.reason_for_incompletion == reason);
  CHECK(calc.output_data.at("error") == Json(reason));
  CHECK(*wf.reason_for_incompletion ==
        fmt::format("Task {} failed with status: FAILED and reason: '{}'", calc.task_id, reason));
}

}  // namespace

SCENARIO("inline: a javascript expression computes the task's result", "[scenario]") {
  EngineFixture f;
  inline_workflow(f, "inline_wf", R"({"evaluatorType": "javascript",
      "expression": "function f() { return {sum: $.a + $.b, up: $.s.toUpperCase(), ok: $.a == 2}; } f();",
      "a": "${workflow.input.a}", "b": 3, "s": "${workflow.input.s}"})");

  WHEN("the workflow starts") {
    auto id = f.start("inline_wf", {{"a", 2}, {"s", "hi"}});
    THEN("the INLINE task completes within the start and the next task sees its result") {
      auto wf = f.workflow(id);
      REQUIRE(EngineFixture::statuses(wf) == Statuses{"calc:COMPLETED", "after:SCHEDULED"});
      const auto& calc = wf.tasks[0];
      CHECK(calc.task_type == "INLINE");
      CHECK(calc.task_def_name == "calc");
      CHECK(calc.output_data == boost::json::parse(R"({"result": {"sum": 5, "up": "HI", "ok": true}})").as_object());
      CHECK(calc.input_data.at("a") == 2);
      CHECK(calc.start_time > 0);
      CHECK(calc.end_time > 0);
      auto after = f.poll("after");
      CHECK(after.input_data.at("r") == boost::json::parse(R"({"sum": 5, "up": "HI", "ok": true})"));
      f.complete(after);
      CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
    }
  }
}

TEST_CASE("inline: scripts written for GraalJS in ES2020 run unchanged", "[scenario]") {
  EngineFixture f;
  // `$${` is how an input parameter keeps a literal `${`, here a template literal's placeholder.
  const std::string script =
      "(() => { const {items, user: {name} = {}} = $; "
      "class Total { static of(list) { return list.reduce((s, i) => s + i.price, 0); } } "
      "const names = items.filter((i) => i?.price > 1).map(({id}) => `#$${id}`); "
      "return {names, total: Total.of(items), who: name ?? 'nobody', count: items.size(), "
      "first: items.get(0).id}; })()";
  inline_workflow(f, "modern", fmt::format(R"({{"evaluatorType": "graaljs", "expression": "{}",
      "items": "${{workflow.input.items}}", "user": "${{workflow.input.user}}"}})",
                                           script));
  auto id = f.start("modern", {{"items", boost::json::parse(R"([{"id": 1, "price": 0.5}, {"id": 2, "price": 3}])")},
                               {"user", boost::json::object{}}});
  auto wf = f.workflow(id);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"calc:COMPLETED", "after:SCHEDULED"});
  CHECK(wf.tasks[0].output_data.at("result") ==
        boost::json::parse(R"({"names": ["#2"], "total": 3.5, "who": "nobody", "count": 2, "first": 1})"));
}

TEST_CASE("inline: the script sees the whole task input, expression included", "[scenario]") {
  EngineFixture f;
  inline_workflow(f, "sees_all", R"({"expression": "$.evaluatorType + ' ' + $.expression.length + ' ' + $.id",
                                     "id": "${CPEWF_TASK_ID}"})");
  auto wf = f.workflow(f.start("sees_all"));
  const auto& calc = wf.tasks[0];
  // evaluatorType is missing, so javascript runs, and the input keeps it missing.
  CHECK(calc.output_data.at("result") == Json(fmt::format("undefined 56 {}", calc.task_id)));
}

TEST_CASE("inline: value-param answers the input named by the expression", "[scenario]") {
  EngineFixture f;
  inline_workflow(f, "value_param", R"({"evaluatorType": "value-param", "expression": "pick",
                                        "pick": {"k": [1, 2]}})");
  auto wf = f.workflow(f.start("value_param"));
  CHECK(wf.tasks[0].output_data.at("result") == boost::json::parse(R"({"k": [1, 2]})"));
  inline_workflow(f, "value_param_missing", R"({"evaluatorType": "value-param", "expression": "nothing"})");
  wf = f.workflow(f.start("value_param_missing"));
  CHECK(wf.tasks[0].status == TaskStatus::kCompleted);
  CHECK(wf.tasks[0].output_data.at("result").is_null());
}

TEST_CASE("inline: a script error fails the task terminally and the workflow with it", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "calc", "retryCount": 3})");
  inline_workflow(f, "bad_script", R"({"evaluatorType": "javascript", "expression": "var x = 1;\n$.no.such"})");
  auto wf = f.workflow(f.start("bad_script"));
  CHECK(wf.status == WorkflowStatus::kFailed);
  REQUIRE(wf.tasks.size() == 1);
  CHECK(wf.tasks[0].status == TaskStatus::kFailedWithTerminalError);
  CHECK_THAT(*wf.tasks[0].reason_for_incompletion,
             Catch::StartsWith("Error evaluating the script `TypeError: ") && Catch::EndsWith("` at line 2"));
  check_failed_workflow(wf, TaskStatus::kFailedWithTerminalError, *wf.tasks[0].reason_for_incompletion);
}

TEST_CASE("inline: a bad evaluator or a blank expression fails the task terminally", "[scenario]") {
  EngineFixture f;
  SECTION("blank evaluatorType") {
    inline_workflow(f, "blank_evaluator", R"({"evaluatorType": " ", "expression": "1"})");
    check_failed_workflow(f.workflow(f.start("blank_evaluator")), TaskStatus::kFailedWithTerminalError,
                          "Empty 'evaluatorType' in INLINE task's input parameters. A non-empty String value must be "
                          "provided.");
  }
  SECTION("unknown evaluatorType") {
    inline_workflow(f, "odd_evaluator", R"({"evaluatorType": "python3", "expression": "1"})");
    check_failed_workflow(f.workflow(f.start("odd_evaluator")), TaskStatus::kFailedWithTerminalError,
                          "Unknown evaluator 'python3' in INLINE task.");
  }
  SECTION("blank expression") {
    inline_workflow(f, "blank_expression", R"({"evaluatorType": "javascript", "expression": ""})");
    check_failed_workflow(f.workflow(f.start("blank_expression")), TaskStatus::kFailedWithTerminalError,
                          "Empty 'expression' in Inline task's input parameters. A non-empty String value must be "
                          "provided.");
  }
}

TEST_CASE("inline: a script past four seconds is interrupted and FAILED, so retries apply", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "calc", "retryCount": 1, "retryDelaySeconds": 0})");
  // The first attempt loops forever; the retry sees the failed attempt and returns.
  inline_workflow(f, "endless", R"JSON({"evaluatorType": "javascript", "prev": "${calc.status}",
      "expression": "$.prev == 'FAILED' ? 'recovered' : (function () { while (true) {} })()"})JSON");
  auto id = f.start("endless");  // real time passes here: the limit is on the script's own running time
  auto wf = f.workflow(id);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"calc:FAILED", "calc:COMPLETED", "after:SCHEDULED"});
  CHECK(wf.tasks[0].reason_for_incompletion == "Script not evaluated within 4 seconds, interrupted.");
  CHECK(wf.tasks[0].output_data.at("error") == "Script not evaluated within 4 seconds, interrupted.");
  CHECK(wf.tasks[1].output_data.at("result") == "recovered");
}

SCENARIO("lambda: the script is a function body whose return value is the result", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "after"})");
  f.workflow_def(R"({"name": "lambda_wf", "tasks": [
      {"name": "lambda", "taskReferenceName": "lambda", "type": "LAMBDA",
       "inputParameters": {
         "a": "${workflow.input.a}",
         "scriptExpression": "if ($.a == 1) { return {testvalue: true}; } return {testvalue: false};"}},
      {"name": "after", "taskReferenceName": "after"}]})");
  GIVEN("an input the script tests") {
    auto id = f.start("lambda_wf", {{"a", 1}});
    THEN("the task completes with the returned object") {
      auto wf = f.workflow(id);
      REQUIRE(EngineFixture::statuses(wf) == Statuses{"lambda:COMPLETED", "after:SCHEDULED"});
      CHECK(wf.tasks[0].task_type == "LAMBDA");
      CHECK(wf.tasks[0].output_data == boost::json::parse(R"({"result": {"testvalue": true}})").as_object());
    }
  }
}

TEST_CASE("lambda: failures are FAILED, retriable by the task's definition", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "lam", "retryCount": 1, "retryDelaySeconds": 0})");
  SECTION("a script error is retried, then fails the workflow") {
    f.workflow_def(R"({"name": "lambda_error", "tasks": [{"name": "lam", "taskReferenceName": "lam", "type": "LAMBDA",
                       "inputParameters": {"scriptExpression": "return $.no.such;"}}]})");
    auto wf = f.workflow(f.start("lambda_error"));
    CHECK(wf.status == WorkflowStatus::kFailed);
    REQUIRE(EngineFixture::statuses(wf) == Statuses{"lam:FAILED", "lam:FAILED"});
    CHECK(wf.tasks[1].retry_count == 1);
    CHECK_THAT(*wf.tasks[1].reason_for_incompletion, Catch::StartsWith("Error evaluating the script `TypeError: "));
    CHECK(wf.tasks[1].output_data.at("error") == Json(*wf.tasks[1].reason_for_incompletion));
  }
  SECTION("a missing scriptExpression") {
    f.workflow_def(R"({"name": "lambda_empty", "tasks": [{"name": "lam", "taskReferenceName": "lam", "type": "LAMBDA",
                       "scriptExpression": "return 1;"}]})");
    auto wf = f.workflow(f.start("lambda_empty"));
    CHECK(wf.status == WorkflowStatus::kFailed);
    CHECK(wf.tasks.back().reason_for_incompletion ==
          "Empty 'scriptExpression' in Lambda task's input parameters. A non-empty String value must be provided.");
  }
}
