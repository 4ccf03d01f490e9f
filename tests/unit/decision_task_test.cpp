#include "task_fixture.hpp"

#include <boost/json/parse.hpp>

using namespace conductor;
using namespace conductor::detail;

namespace {

// A DECISION with `fields` and cases a → [a1], empty → [], default → [d].
std::string definition(const std::string& fields) {
  return fmt::format(R"({{"name": "wf", "tasks": [{{"name": "dec", "taskReferenceName": "dec", "type": "DECISION", {},
      "inputParameters": {{"k": "${{workflow.input.k}}", "other": 1}},
      "decisionCases": {{"a": [{{"name": "a1", "taskReferenceName": "a1"}}], "empty": [],
                        "5": [{{"name": "five", "taskReferenceName": "five"}}]}},
      "defaultCase": [{{"name": "d", "taskReferenceName": "d"}}]}}]}})",
                     fields);
}

}  // namespace

TEST_CASE("decision task: caseValueParam picks the case, the task's input is only the case", "[unit]") {
  TaskFixture f(definition(R"("caseValueParam": "k")"), {{"k", "a"}});
  auto tasks = f.map("dec");
  REQUIRE(tasks.size() == 2);
  const auto& dec = tasks[0];
  CHECK(dec.task_type == "DECISION");
  CHECK(dec.task_def_name == "DECISION");
  CHECK(dec.status == TaskStatus::kInProgress);
  CHECK(dec.start_time == 1000);
  CHECK(dec.input_data == boost::json::parse(R"({"case": "a", "hasChildren": "true"})").as_object());
  CHECK(dec.output_data == boost::json::parse(R"({"caseOutput": ["a"]})").as_object());
  CHECK(tasks[1].reference_task_name == "a1");
}

TEST_CASE("decision task: the case value is the Java text of the parameter", "[unit]") {
  auto case_of = [](JsonObject input) {
    TaskFixture f(definition(R"("caseValueParam": "k")"), std::move(input));
    return std::string(f.map("dec")[0].input_data.at("case").as_string());
  };
  CHECK(case_of({{"k", 5}}) == "5");
  CHECK(case_of({{"k", 5.5}}) == "5.5");
  CHECK(case_of({{"k", true}}) == "true");
  CHECK(case_of({}) == "null");
}

TEST_CASE("decision task: an empty or missing case falls back to the default", "[unit]") {
  for (const char* value : {"empty", "zzz"}) {
    TaskFixture f(definition(R"("caseValueParam": "k")"), {{"k", value}});
    auto tasks = f.map("dec");
    REQUIRE(tasks.size() == 2);
    CHECK(tasks[1].reference_task_name == "d");
    CHECK(tasks[0].output_data.at("caseOutput") == JsonArray{Json(value)});
  }
}

TEST_CASE("decision task: caseExpression runs JavaScript over the context input", "[unit]") {
  TaskFixture f(definition(R"("caseExpression": "$.other + 4")"), {{"k", "a"}});
  auto tasks = f.map("dec");
  REQUIRE(tasks.size() == 2);
  CHECK(tasks[0].input_data.at("case") == "5");
  CHECK(tasks[1].reference_task_name == "five");
  SECTION("a blank expression leaves the choice to caseValueParam") {
    TaskFixture blank(definition(R"("caseExpression": "  ", "caseValueParam": "k")"), {{"k", "a"}});
    CHECK(blank.map("dec")[1].reference_task_name == "a1");
  }
}

TEST_CASE("decision task: a caseExpression that throws ends the workflow", "[unit]") {
  TaskFixture f(definition(R"("caseExpression": "$.k.no.such")"), {{"k", "a"}});
  try {
    f.map("dec");
    FAIL("mapped");
  } catch (const TerminateWorkflow& e) {
    CHECK(e.termination.status == WorkflowStatus::kFailed);
    CHECK(e.termination.reason == "Error while evaluating script: $.k.no.such");
  }
}

TEST_CASE("decision task: execute completes the task", "[unit]") {
  TaskFixture f(definition(R"("caseValueParam": "k")"), {{"k", "a"}});
  f.add(f.map("dec"));
  CHECK(f.execute("dec"));
  CHECK(f.task("dec").status == TaskStatus::kCompleted);
  CHECK(f.task("a1").status == TaskStatus::kScheduled);
}
