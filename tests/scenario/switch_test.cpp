#include "engine_fixture.hpp"

#include <boost/json/parse.hpp>

using namespace conductor;
using Statuses = std::vector<std::string>;

namespace {

const Task& task(const Workflow& wf, std::string_view ref) {
  auto it = std::find_if(wf.tasks.begin(), wf.tasks.end(), [&](const Task& t) { return t.reference_task_name == ref; });
  REQUIRE(it != wf.tasks.end());
  return *it;
}

void simple_defs(EngineFixture& f, std::initializer_list<const char*> names) {
  for (auto name : names) f.task_def(fmt::format(R"({{"name": "{}"}})", name));
}

// A workflow of one SWITCH (`switch_fields` completes it) followed by `next`.
void switch_workflow(EngineFixture& f, const std::string& name, const std::string& switch_fields) {
  f.workflow_def(fmt::format(R"({{"name": "{}", "tasks": [
      {{"name": "route", "taskReferenceName": "route", "type": "SWITCH", {}}},
      {{"name": "next", "taskReferenceName": "next"}}]}})",
                             name, switch_fields));
}

}  // namespace

SCENARIO("switch: value-param picks the case named by an input, else the default case", "[scenario]") {
  EngineFixture f;
  simple_defs(f, {"get_user", "send_email", "send_sms", "send_push", "fallback"});
  f.workflow_def(R"({"name": "notify", "tasks": [
      {"name": "get_user", "taskReferenceName": "get_user", "inputParameters": {"userId": "${workflow.input.userId}"}},
      {"name": "route", "taskReferenceName": "route", "type": "SWITCH", "evaluatorType": "value-param",
       "expression": "switchCaseValue", "inputParameters": {"switchCaseValue": "${workflow.input.pref}"},
       "decisionCases": {
         "EMAIL": [{"name": "send_email", "taskReferenceName": "email",
                    "inputParameters": {"email": "${get_user.output.email}"}}],
         "SMS": [{"name": "send_sms", "taskReferenceName": "sms",
                  "inputParameters": {"phone": "${get_user.output.phone}"}},
                 {"name": "send_push", "taskReferenceName": "push",
                  "inputParameters": {"email": "${get_user.output.email}"}}]},
       "defaultCase": [{"name": "fallback", "taskReferenceName": "fallback"}]}]})");
  const JsonObject profile{{"email", "userA@example.com"}, {"phone", "9999999999"}};

  GIVEN("a preference with a case") {
    auto id = f.start("notify", {{"userId", "userA"}, {"pref", "SMS"}});
    f.complete(f.poll("get_user"), profile);

    THEN("the switch completes at once and the case's first task is scheduled with it") {
      auto wf = f.workflow(id);
      CHECK(EngineFixture::statuses(wf) == Statuses{"get_user:COMPLETED", "route:COMPLETED", "sms:SCHEDULED"});
      const auto& route = task(wf, "route");
      CHECK(route.task_type == "SWITCH");
      CHECK(route.task_def_name == "SWITCH");
      CHECK(route.output_data.at("evaluationResult") == boost::json::parse(R"(["SMS"])"));
      CHECK(route.output_data.at("selectedCase") == "SMS");
      CHECK(route.input_data.at("case") == "SMS");
      CHECK(route.input_data.at("switchCaseValue") == "SMS");
      CHECK(route.input_data.at("hasChildren") == "true");
      CHECK(route.start_time > 0);

      AND_THEN("the case runs in order and the workflow completes after its last task") {
        auto sms = f.poll("send_sms");
        CHECK(sms.input_data.at("phone") == "9999999999");
        f.complete(sms);
        auto push = f.poll("send_push");
        CHECK(push.input_data.at("email") == "userA@example.com");
        f.complete(push);
        wf = f.workflow(id);
        CHECK(wf.status == WorkflowStatus::kCompleted);
        CHECK(EngineFixture::statuses(wf) ==
              Statuses{"get_user:COMPLETED", "route:COMPLETED", "sms:COMPLETED", "push:COMPLETED"});
      }
    }
  }
  GIVEN("a preference without a case") {
    auto id = f.start("notify", {{"userId", "userB"}, {"pref", "FAX"}});
    f.complete(f.poll("get_user"), profile);
    THEN("the default case runs") {
      auto wf = f.workflow(id);
      CHECK(EngineFixture::statuses(wf) == Statuses{"get_user:COMPLETED", "route:COMPLETED", "fallback:SCHEDULED"});
      CHECK(task(wf, "route").output_data.at("evaluationResult") == boost::json::parse(R"(["FAX"])"));
      f.complete(f.poll("fallback"));
      CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
    }
  }
}

TEST_CASE("switch: javascript and graaljs evaluate the expression over the input", "[scenario]") {
  for (const char* evaluator : {"javascript", "graaljs"}) {
    EngineFixture f;
    simple_defs(f, {"big", "small", "next"});
    switch_workflow(f, "js_switch",
                    fmt::format(R"("evaluatorType": "{}", "expression": "$.amount > 100 ? 'big' : 'small'",
                                   "inputParameters": {{"amount": "${{workflow.input.amount}}"}},
                                   "decisionCases": {{"big": [{{"name": "big", "taskReferenceName": "big"}}],
                                                      "small": [{{"name": "small", "taskReferenceName": "small"}}]}})",
                                evaluator));
    auto id = f.start("js_switch", {{"amount", 250}});
    CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"route:COMPLETED", "big:SCHEDULED"});
    f.complete(f.poll("big"));
    f.complete(f.poll("next"));
    CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
    id = f.start("js_switch", {{"amount", 5}});
    CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"route:COMPLETED", "small:SCHEDULED"});
  }
}

TEST_CASE("switch: an ES2020 expression is accepted at registration and routes", "[scenario]") {
  EngineFixture f;
  simple_defs(f, {"big", "small", "next"});
  const std::string expression =
      "(({order: {lines = []} = {}}) => lines.map((l) => l.qty ?? 1).reduce((a, b) => a + b, 0))($) > 2 "
      "? 'big' : 'small'";
  switch_workflow(f, "modern_switch",
                  fmt::format(R"("evaluatorType": "javascript", "expression": "{}",
                                 "inputParameters": {{"order": "${{workflow.input.order}}"}},
                                 "decisionCases": {{"big": [{{"name": "big", "taskReferenceName": "big"}}],
                                                    "small": [{{"name": "small", "taskReferenceName": "small"}}]}})",
                              expression));
  auto id = f.start("modern_switch", {{"order", boost::json::parse(R"({"lines": [{"qty": 2}, {}]})")}});
  CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"route:COMPLETED", "big:SCHEDULED"});
  id = f.start("modern_switch", {{"order", boost::json::object{}}});
  CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"route:COMPLETED", "small:SCHEDULED"});
}

TEST_CASE("switch: the case is the text of the result, integral numbers without decimals", "[scenario]") {
  EngineFixture f;
  simple_defs(f, {"four", "yes", "none", "next"});
  switch_workflow(f, "text_switch", R"("evaluatorType": "javascript", "expression": "$.value",
      "inputParameters": {"value": "${workflow.input.value}"},
      "decisionCases": {"4": [{"name": "four", "taskReferenceName": "four"}],
                        "true": [{"name": "yes", "taskReferenceName": "yes"}],
                        "null": [{"name": "none", "taskReferenceName": "none"}]})");
  CHECK(task(f.workflow(f.start("text_switch", {{"value", 4.0}})), "route").input_data.at("case") == "4");
  CHECK(EngineFixture::statuses(f.workflow(f.start("text_switch", {{"value", true}}))) ==
        Statuses{"route:COMPLETED", "yes:SCHEDULED"});
  CHECK(EngineFixture::statuses(f.workflow(f.start("text_switch", {}))) ==
        Statuses{"route:COMPLETED", "none:SCHEDULED"});
}

TEST_CASE("switch: no matching case and no default goes straight to the next task", "[scenario]") {
  EngineFixture f;
  simple_defs(f, {"a", "next"});
  switch_workflow(f, "no_default", R"("evaluatorType": "value-param", "expression": "k",
      "inputParameters": {"k": "${workflow.input.k}"},
      "decisionCases": {"a": [{"name": "a", "taskReferenceName": "a"}]})");
  auto id = f.start("no_default", {{"k", "zzz"}});
  auto wf = f.workflow(id);
  CHECK(EngineFixture::statuses(wf) == Statuses{"route:COMPLETED", "next:SCHEDULED"});
  CHECK_FALSE(task(wf, "route").input_data.contains("hasChildren"));
  f.complete(f.poll("next"));
  CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("switch: a case mapped to an empty list runs nothing, without falling back to the default",
          "[scenario]") {
  EngineFixture f;
  simple_defs(f, {"fallback", "next"});
  switch_workflow(f, "empty_case", R"("evaluatorType": "value-param", "expression": "k",
      "inputParameters": {"k": "skip"}, "decisionCases": {"skip": []},
      "defaultCase": [{"name": "fallback", "taskReferenceName": "fallback"}])");
  auto id = f.start("empty_case");
  CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"route:COMPLETED", "next:SCHEDULED"});
}

TEST_CASE("switch: a nested SWITCH as a case's first node is mapped in the same step", "[scenario]") {
  EngineFixture f;
  simple_defs(f, {"t1", "t2", "next"});
  switch_workflow(f, "nested", R"("evaluatorType": "value-param", "expression": "outer",
      "inputParameters": {"outer": "${workflow.input.outer}"},
      "decisionCases": {"in": [
        {"name": "inner", "taskReferenceName": "inner", "type": "SWITCH", "evaluatorType": "value-param",
         "expression": "k", "inputParameters": {"k": "${workflow.input.inner}"},
         "decisionCases": {"x": [{"name": "t1", "taskReferenceName": "t1"}]}},
        {"name": "t2", "taskReferenceName": "t2"}]})");
  auto id = f.start("nested", {{"outer", "in"}, {"inner", "x"}});
  CHECK(EngineFixture::statuses(f.workflow(id)) ==
        Statuses{"route:COMPLETED", "inner:COMPLETED", "t1:SCHEDULED"});
  f.complete(f.poll("t1"));
  CHECK(EngineFixture::statuses(f.workflow(id)) ==
        Statuses{"route:COMPLETED", "inner:COMPLETED", "t1:COMPLETED", "t2:SCHEDULED"});
  f.complete(f.poll("t2"));
  f.complete(f.poll("next"));
  CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("switch: an expression that throws creates the SWITCH FAILED and fails the workflow", "[scenario]") {
  EngineFixture f;
  simple_defs(f, {"a", "next"});
  switch_workflow(f, "bad_switch", R"("evaluatorType": "javascript", "expression": "$.missing.field",
      "inputParameters": {"x": 1}, "decisionCases": {"a": [{"name": "a", "taskReferenceName": "a"}]})");
  auto id = f.start("bad_switch");
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kFailed);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"route:FAILED"});
  const auto& route = wf.tasks[0];
  CHECK_THAT(*route.reason_for_incompletion, Catch::StartsWith("Error evaluating the script `TypeError: "));
  CHECK(route.input_data == JsonObject{{"x", 1}});
  CHECK(route.output_data.empty());
  CHECK(*wf.reason_for_incompletion == fmt::format("Task {} failed with status: FAILED and reason: '{}'", route.task_id,
                                                   *route.reason_for_incompletion));
}

TEST_CASE("switch: an unknown evaluator fails the workflow at scheduling", "[scenario]") {
  EngineFixture f;
  simple_defs(f, {"a", "next"});
  switch_workflow(f, "odd_switch", R"("evaluatorType": "cobol", "expression": "x",
      "decisionCases": {"a": [{"name": "a", "taskReferenceName": "a"}]})");
  auto wf = f.workflow(f.start("odd_switch"));
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(wf.reason_for_incompletion == "No evaluator registered for type: cobol");
  CHECK(wf.tasks.empty());
}

TEST_CASE("switch: a javascript expression that does not parse is refused at registration", "[scenario]") {
  EngineFixture f;
  simple_defs(f, {"a", "next"});
  CHECK_THROWS_AS(switch_workflow(f, "unparsable", R"("evaluatorType": "javascript", "expression": "$.a >",
      "decisionCases": {"a": [{"name": "a", "taskReferenceName": "a"}]})"),
                  ValidationError);
}

SCENARIO("decision: caseValueParam picks the case, the default covers the rest", "[scenario]") {
  EngineFixture f;
  simple_defs(f, {"task_1", "task_2", "task_5", "task_20"});
  f.workflow_def(R"({"name": "decision_wf", "tasks": [
      {"name": "decide", "taskReferenceName": "decide", "type": "DECISION", "caseValueParam": "case",
       "inputParameters": {"case": "${workflow.input.case}", "other": "${workflow.input.param1}"},
       "decisionCases": {"c": [{"name": "task_1", "taskReferenceName": "t1"},
                               {"name": "task_2", "taskReferenceName": "t2"}]},
       "defaultCase": [{"name": "task_5", "taskReferenceName": "t5"}]},
      {"name": "task_20", "taskReferenceName": "t20"}]})");

  GIVEN("an input naming a case") {
    auto id = f.start("decision_wf", {{"param1", "p1"}, {"case", "c"}});
    auto wf = f.workflow(id);
    REQUIRE(EngineFixture::statuses(wf) == Statuses{"decide:COMPLETED", "t1:SCHEDULED"});
    const auto& decide = task(wf, "decide");
    CHECK(decide.task_type == "DECISION");
    CHECK(decide.task_def_name == "DECISION");
    CHECK(decide.output_data.at("caseOutput") == boost::json::parse(R"(["c"])"));
    CHECK(decide.input_data == JsonObject{{"case", "c"}, {"hasChildren", "true"}});
    f.complete(f.poll("task_1"));
    f.complete(f.poll("task_2"));
    f.complete(f.poll("task_20"));
    wf = f.workflow(id);
    CHECK(wf.status == WorkflowStatus::kCompleted);
    CHECK(EngineFixture::statuses(wf) == Statuses{"decide:COMPLETED", "t1:COMPLETED", "t2:COMPLETED", "t20:COMPLETED"});
  }
  GIVEN("an input naming no case") {
    auto id = f.start("decision_wf", {{"case", "zzz"}});
    auto wf = f.workflow(id);
    CHECK(EngineFixture::statuses(wf) == Statuses{"decide:COMPLETED", "t5:SCHEDULED"});
    CHECK(task(wf, "decide").output_data.at("caseOutput") == boost::json::parse(R"(["zzz"])"));
    f.complete(f.poll("task_5"));
    f.complete(f.poll("task_20"));
    CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
  }
  GIVEN("no input for the case parameter") {
    auto wf = f.workflow(f.start("decision_wf", {{"x", 1}}));
    CHECK(task(wf, "decide").input_data.at("case") == "null");
    CHECK(EngineFixture::statuses(wf) == Statuses{"decide:COMPLETED", "t5:SCHEDULED"});
  }
}

TEST_CASE("decision: caseExpression is JavaScript over the input", "[scenario]") {
  EngineFixture f;
  simple_defs(f, {"even", "odd", "after"});
  f.workflow_def(R"({"name": "parity", "tasks": [
      {"name": "decide", "taskReferenceName": "decide", "type": "DECISION",
       "caseExpression": "$.n % 2 == 0 ? 'even' : 'odd'", "inputParameters": {"n": "${workflow.input.n}"},
       "decisionCases": {"even": [{"name": "even", "taskReferenceName": "even"}],
                         "odd": [{"name": "odd", "taskReferenceName": "odd"}]}},
      {"name": "after", "taskReferenceName": "after"}]})");
  CHECK(EngineFixture::statuses(f.workflow(f.start("parity", {{"n", 4}}))) ==
        Statuses{"decide:COMPLETED", "even:SCHEDULED"});
  CHECK(EngineFixture::statuses(f.workflow(f.start("parity", {{"n", 7}}))) ==
        Statuses{"decide:COMPLETED", "odd:SCHEDULED"});
}

TEST_CASE("decision: an empty case falls back to the default case", "[scenario]") {
  EngineFixture f;
  simple_defs(f, {"fallback", "after"});
  f.workflow_def(R"({"name": "empty_decision", "tasks": [
      {"name": "decide", "taskReferenceName": "decide", "type": "DECISION", "caseValueParam": "k",
       "inputParameters": {"k": "skip"}, "decisionCases": {"skip": []},
       "defaultCase": [{"name": "fallback", "taskReferenceName": "fallback"}]},
      {"name": "after", "taskReferenceName": "after"}]})");
  CHECK(EngineFixture::statuses(f.workflow(f.start("empty_decision"))) ==
        Statuses{"decide:COMPLETED", "fallback:SCHEDULED"});
}

TEST_CASE("decision: a caseExpression that throws fails the workflow", "[scenario]") {
  EngineFixture f;
  simple_defs(f, {"a"});
  f.workflow_def(R"({"name": "bad_decision", "tasks": [
      {"name": "decide", "taskReferenceName": "decide", "type": "DECISION", "caseExpression": "$.no.such",
       "decisionCases": {"x": [{"name": "a", "taskReferenceName": "a"}]}}]})");
  auto wf = f.workflow(f.start("bad_decision"));
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(wf.reason_for_incompletion == "Error while evaluating script: $.no.such");
  CHECK(wf.tasks.empty());
}
