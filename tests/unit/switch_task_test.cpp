#include "task_fixture.hpp"

#include <boost/json/parse.hpp>

using namespace conductor;
using namespace conductor::detail;

namespace {

// A SWITCH over `k` (workflow input `k`) with cases a → [a1, a2], empty → [], default → [d].
std::string definition(const std::string& evaluator, const std::string& expression, bool with_default = true) {
  return fmt::format(R"({{"name": "wf", "tasks": [{{"name": "sw", "taskReferenceName": "sw", "type": "SWITCH",
      "evaluatorType": "{}", "expression": "{}",
      "inputParameters": {{"k": "${{workflow.input.k}}", "id": "${{CPEWF_TASK_ID}}"}},
      "decisionCases": {{"a": [{{"name": "a1", "taskReferenceName": "a1"}},
                              {{"name": "a2", "taskReferenceName": "a2"}}],
                        "empty": []}},
      "defaultCase": [{}]}}]}})",
                     evaluator, expression, with_default ? R"({"name": "d", "taskReferenceName": "d"})" : "");
}

}  // namespace

TEST_CASE("switch task: value-param maps the SWITCH and the chosen case's first task", "[unit]") {
  TaskFixture f(definition("value-param", "k"), {{"k", "a"}});
  auto tasks = f.map("sw");
  REQUIRE(tasks.size() == 2);
  const auto& sw = tasks[0];
  CHECK(sw.task_type == "SWITCH");
  CHECK(sw.task_def_name == "SWITCH");
  CHECK(sw.reference_task_name == "sw");
  CHECK(sw.status == TaskStatus::kInProgress);
  CHECK(sw.start_time == 1000);
  // The context input: no task id is resolved for a SWITCH.
  CHECK(sw.input_data ==
        boost::json::parse(R"({"k": "a", "id": "${CPEWF_TASK_ID}", "case": "a", "hasChildren": "true"})").as_object());
  CHECK(sw.output_data == boost::json::parse(R"({"evaluationResult": ["a"], "selectedCase": "a"})").as_object());
  CHECK(tasks[1].reference_task_name == "a1");
  CHECK(tasks[1].status == TaskStatus::kScheduled);
}

TEST_CASE("switch task: the default case only when the value names no case", "[unit]") {
  SECTION("an unknown value takes the default") {
    TaskFixture f(definition("value-param", "k"), {{"k", "zzz"}});
    auto tasks = f.map("sw");
    REQUIRE(tasks.size() == 2);
    CHECK(tasks[1].reference_task_name == "d");
  }
  SECTION("a case with an empty list runs nothing") {
    TaskFixture f(definition("value-param", "k"), {{"k", "empty"}});
    auto tasks = f.map("sw");
    REQUIRE(tasks.size() == 1);
    CHECK_FALSE(tasks[0].input_data.contains("hasChildren"));
  }
  SECTION("no default runs nothing") {
    TaskFixture f(definition("value-param", "k", false), {{"k", "zzz"}});
    auto tasks = f.map("sw");
    REQUIRE(tasks.size() == 1);
    CHECK(tasks[0].output_data.at("selectedCase") == "zzz");
  }
  SECTION("a missing value is the text null") {
    TaskFixture f(definition("value-param", "nothing"), {{"k", "a"}});
    CHECK(f.map("sw")[0].input_data.at("case") == "null");
  }
}

TEST_CASE("switch task: javascript results become case text as Java prints them", "[unit]") {
  auto case_of = [](const std::string& expression) {
    TaskFixture f(definition("javascript", expression), {{"k", "a"}});
    return std::string(f.map("sw")[0].input_data.at("case").as_string());
  };
  CHECK(case_of("$.k") == "a");
  CHECK(case_of("4 / 2") == "2");
  CHECK(case_of("5 / 2") == "2.5");
  CHECK(case_of("$.k == 'a'") == "true");
  CHECK(case_of("null") == "null");
  CHECK(case_of("[1, 'x']") == "[1, x]");
  CHECK(case_of("({n: 1})") == "{n=1}");
  TaskFixture f(definition("graaljs", "$.k + ''"), {{"k", "a"}});
  CHECK(f.map("sw").size() == 2);
}

TEST_CASE("switch task: an expression that throws gives a FAILED SWITCH and no case", "[unit]") {
  TaskFixture f(definition("javascript", "$.k.no.such"), {{"k", "a"}});
  auto tasks = f.map("sw");
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].status == TaskStatus::kFailed);
  CHECK_THAT(*tasks[0].reason_for_incompletion, Catch::StartsWith("Error evaluating the script `TypeError"));
  CHECK(tasks[0].input_data == boost::json::parse(R"({"k": "a", "id": "${CPEWF_TASK_ID}"})").as_object());
  CHECK(tasks[0].output_data.empty());
}

TEST_CASE("switch task: an unknown evaluator ends the workflow", "[unit]") {
  TaskFixture f(definition("python", "k"), {{"k", "a"}});
  try {
    f.map("sw");
    FAIL("mapped");
  } catch (const TerminateWorkflow& e) {
    CHECK(e.termination.status == WorkflowStatus::kFailed);
    CHECK(e.termination.reason == "No evaluator registered for type: python");
  }
  TaskFixture missing(R"({"name": "wf", "tasks": [{"name": "sw", "taskReferenceName": "sw", "type": "SWITCH",
      "decisionCases": {"a": [{"name": "a1", "taskReferenceName": "a1"}]}}]})");
  CHECK_THROWS_AS(missing.map("sw"), TerminateWorkflow);
}

TEST_CASE("switch task: a SWITCH heading a case is mapped with its own case in the same step", "[unit]") {
  TaskFixture f(R"({"name": "wf", "tasks": [{"name": "outer", "taskReferenceName": "outer", "type": "SWITCH",
      "evaluatorType": "javascript", "expression": "'in'",
      "decisionCases": {"in": [{"name": "inner", "taskReferenceName": "inner", "type": "SWITCH",
                                "evaluatorType": "javascript", "expression": "'x'",
                                "decisionCases": {"x": [{"name": "t1", "taskReferenceName": "t1"}]}}]}}]})");
  auto tasks = f.map("outer");
  REQUIRE(tasks.size() == 3);
  CHECK(tasks[0].reference_task_name == "outer");
  CHECK(tasks[1].reference_task_name == "inner");
  CHECK(tasks[1].input_data.at("hasChildren") == "true");
  CHECK(tasks[2].reference_task_name == "t1");
}

TEST_CASE("switch task: execute completes the task", "[unit]") {
  TaskFixture f(definition("value-param", "k"), {{"k", "a"}});
  f.add(f.map("sw"));
  CHECK(f.execute("sw"));
  CHECK(f.task("sw").status == TaskStatus::kCompleted);
}
