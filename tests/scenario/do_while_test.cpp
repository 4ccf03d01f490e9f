#include "engine_fixture.hpp"

#include <boost/json/parse.hpp>

using namespace conductor;
using Statuses = std::vector<std::string>;

namespace {

constexpr const char* kCounterCondition = "if ($.loop['iteration'] < $.value) { true; } else { false; }";

const Task& task(const Workflow& wf, std::string_view ref) {
  auto it = std::find_if(wf.tasks.begin(), wf.tasks.end(), [&](const Task& t) { return t.reference_task_name == ref; });
  REQUIRE(it != wf.tasks.end());
  return *it;
}

void loop_workflow(EngineFixture& f, const std::string& name, const std::string& loop_fields,
                   const std::string& body, const std::string& after = "") {
  f.workflow_def(fmt::format(R"({{"name": "{}", "tasks": [
      {{"name": "loop", "taskReferenceName": "loop", "type": "DO_WHILE", {}, "loopOver": [{}]}}{}]}})",
                             name, loop_fields, body, after.empty() ? "" : ", " + after));
}

}  // namespace

SCENARIO("do_while: each iteration runs the body under `ref__N` and records outputs by iteration", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "work"})");
  f.task_def(R"({"name": "after"})");
  loop_workflow(f, "loop_wf",
                fmt::format(R"("inputParameters": {{"value": "${{workflow.input.loops}}"}}, "loopCondition": "{}")",
                            kCounterCondition),
                R"({"name": "work", "taskReferenceName": "work", "inputParameters": {"i": "${loop['iteration']}"}})",
                R"({"name": "after", "taskReferenceName": "after", "inputParameters": {"w": "${work.output.n}"}})");

  GIVEN("a loop asked for two iterations") {
    auto id = f.start("loop_wf", {{"loops", 2}});
    auto wf = f.workflow(id);
    REQUIRE(EngineFixture::statuses(wf) == Statuses{"loop:IN_PROGRESS", "work__1:SCHEDULED"});
    CHECK(task(wf, "loop").task_type == "DO_WHILE");
    CHECK(task(wf, "loop").iteration == 1);
    CHECK(task(wf, "loop").output_data.at("iteration") == 1);

    WHEN("the worker completes each iteration") {
      auto first = f.poll("work");
      CHECK(first.reference_task_name == "work__1");
      CHECK(first.iteration == 1);
      CHECK(first.input_data.at("i") == 1);
      f.complete(first, {{"n", 1}});
      REQUIRE(EngineFixture::statuses(f.workflow(id)) ==
              Statuses{"loop:IN_PROGRESS", "work__1:COMPLETED", "work__2:SCHEDULED"});
      auto second = f.poll("work");
      CHECK(second.reference_task_name == "work__2");
      CHECK(second.iteration == 2);
      CHECK(second.input_data.at("i") == 2);
      f.complete(second, {{"n", 2}});

      THEN("the loop completes with each iteration's outputs and the next task follows with iteration 0") {
        wf = f.workflow(id);
        CHECK(EngineFixture::statuses(wf) ==
              Statuses{"loop:COMPLETED", "work__1:COMPLETED", "work__2:COMPLETED", "after:SCHEDULED"});
        const auto& out = task(wf, "loop").output_data;
        CHECK(out.at("iteration") == 2);
        CHECK(out.at("1") == boost::json::parse(R"({"work": {"n": 1}})"));
        CHECK(out.at("2") == boost::json::parse(R"({"work": {"n": 2}})"));
        CHECK(task(wf, "loop").iteration == 2);
        const auto after = f.poll("after");
        CHECK(after.iteration == 0);
        CHECK(after.reference_task_name == "after");
        CHECK(after.input_data.at("w") == 2);  // expressions see the newest iteration
        f.complete(after);
        CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
      }
    }
  }
}

TEST_CASE("do_while: a loop of several body tasks runs them in order and the workflow completes", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "a"})");
  f.task_def(R"({"name": "b"})");
  loop_workflow(f, "two_body", R"("loopCondition": "$.loop['iteration'] < 2")",
                R"({"name": "a", "taskReferenceName": "a"}, {"name": "b", "taskReferenceName": "b",
                    "inputParameters": {"from_a": "${a.output.v}"}})");
  auto id = f.start("two_body");
  for (int i = 1; i <= 2; ++i) {
    f.complete(f.poll("a"), {{"v", i * 10}});
    auto b = f.poll("b");
    CHECK(b.reference_task_name == fmt::format("b__{}", i));
    CHECK(b.input_data.at("from_a") == i * 10);
    f.complete(b, {{"w", i}});
  }
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(EngineFixture::statuses(wf) ==
        Statuses{"loop:COMPLETED", "a__1:COMPLETED", "b__1:COMPLETED", "a__2:COMPLETED", "b__2:COMPLETED"});
  CHECK(task(wf, "loop").output_data.at("2") == boost::json::parse(R"({"a": {"v": 20}, "b": {"w": 2}})"));
  CHECK(wf.output == boost::json::parse(R"({"w": 2})").as_object());
}

TEST_CASE("do_while: the condition sees body outputs under their plain reference names", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "work"})");
  loop_workflow(f, "until_done", R"("loopCondition": "$.work['done'] != true")",
                R"({"name": "work", "taskReferenceName": "work"})");
  auto id = f.start("until_done");
  f.complete(f.poll("work"), {{"done", false}});
  f.complete(f.poll("work"), {{"done", false}});
  CHECK(f.workflow(id).status == WorkflowStatus::kRunning);
  f.complete(f.poll("work"), {{"done", true}});
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(task(wf, "loop").iteration == 3);
  CHECK(f.nothing_to_poll("work"));
}

TEST_CASE("do_while: only true or a positive number continues the loop", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "work"})");
  // Conductor's truthiness: the string "true" stops the loop like false does.
  loop_workflow(f, "string_true", R"("loopCondition": "'true'")", R"({"name": "work", "taskReferenceName": "work"})");
  auto id = f.start("string_true");
  f.complete(f.poll("work"));
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(EngineFixture::statuses(wf) == Statuses{"loop:COMPLETED", "work__1:COMPLETED"});

  loop_workflow(f, "numeric", R"("loopCondition": "2 - $.loop['iteration']")",
                R"({"name": "work", "taskReferenceName": "work"})");
  id = f.start("numeric");
  f.complete(f.poll("work"));
  f.complete(f.poll("work"));
  wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(task(wf, "loop").iteration == 2);
}

TEST_CASE("do_while: a body of sync system tasks runs every iteration within one decide", "[scenario]") {
  EngineFixture f;
  loop_workflow(f, "sync_loop", R"("loopCondition": "$.loop['iteration'] < 3")",
                R"({"name": "calc", "taskReferenceName": "calc", "type": "INLINE",
                    "inputParameters": {"evaluatorType": "javascript", "expression": "$.i * 10",
                                        "i": "${loop['iteration']}"}})");
  auto id = f.start("sync_loop");
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(EngineFixture::statuses(wf) ==
        Statuses{"loop:COMPLETED", "calc__1:COMPLETED", "calc__2:COMPLETED", "calc__3:COMPLETED"});
  CHECK(task(wf, "calc__3").output_data.at("result") == 30);
  CHECK(task(wf, "loop").output_data.at("3") == boost::json::parse(R"({"calc": {"result": 30}})"));
}

TEST_CASE("do_while: 500 iterations of sync tasks complete with the right counter", "[scenario]") {
  EngineFixture f;
  loop_workflow(f, "long_loop", R"("loopCondition": "$.loop['iteration'] < 500")",
                R"({"name": "calc", "taskReferenceName": "calc", "type": "INLINE",
                    "inputParameters": {"expression": "$.i + 1", "i": "${loop['iteration']}"}})");
  auto id = f.start("long_loop");
  // A long run of sync work hands the rest of the loop to the decider queue instead of recursing.
  for (int sweeps = 0; sweeps < 100 && f.workflow(id).status == WorkflowStatus::kRunning; ++sweeps) f.advance(0);
  auto wf = f.workflow(id);
  REQUIRE(wf.status == WorkflowStatus::kCompleted);
  CHECK(wf.tasks.size() == 501);
  CHECK(task(wf, "loop").iteration == 500);
  CHECK(task(wf, "loop").output_data.at("iteration") == 500);
  CHECK(task(wf, "calc__500").output_data.at("result") == 501);
}

TEST_CASE("do_while: a SWITCH inside the loop picks its case per iteration", "[scenario]") {
  EngineFixture f;
  for (auto name : {"first", "other", "tail"}) f.task_def(fmt::format(R"({{"name": "{}"}})", name));
  loop_workflow(f, "switch_loop", R"("loopCondition": "$.loop['iteration'] < 2")",
                R"({"name": "sw", "taskReferenceName": "sw", "type": "SWITCH", "evaluatorType": "value-param",
                    "expression": "i", "inputParameters": {"i": "${loop['iteration']}"},
                    "decisionCases": {"1": [{"name": "first", "taskReferenceName": "first"}]},
                    "defaultCase": [{"name": "other", "taskReferenceName": "other"}]},
                   {"name": "tail", "taskReferenceName": "tail"})");
  auto id = f.start("switch_loop");
  CHECK(EngineFixture::statuses(f.workflow(id)) ==
        Statuses{"loop:IN_PROGRESS", "sw__1:COMPLETED", "first__1:SCHEDULED"});
  auto first = f.poll("first");
  CHECK(first.iteration == 1);
  f.complete(first);
  auto tail = f.poll("tail");
  CHECK(tail.reference_task_name == "tail__1");
  f.complete(tail);
  auto wf = f.workflow(id);
  CHECK(task(wf, "sw__2").output_data.at("selectedCase") == "2");
  CHECK(task(wf, "sw__2").iteration == 2);
  f.complete(f.poll("other"));
  f.complete(f.poll("tail"));
  wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(EngineFixture::statuses(wf) ==
        Statuses{"loop:COMPLETED", "sw__1:COMPLETED", "first__1:COMPLETED", "tail__1:COMPLETED", "sw__2:COMPLETED",
                 "other__2:COMPLETED", "tail__2:COMPLETED"});
  CHECK(task(wf, "loop").output_data.at("1").as_object().contains("first"));
  CHECK(task(wf, "loop").output_data.at("2").as_object().contains("other"));
}

TEST_CASE("do_while: a loop over items runs once per item with loopIndex and loopItem", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "each"})");
  loop_workflow(f, "items_loop", R"("items": "${workflow.input.list}", "loopCondition": "true")",
                R"({"name": "each", "taskReferenceName": "each",
                    "inputParameters": {"item": "${loop.output.loopItem}", "index": "${loop.output.loopIndex}"}})");

  SECTION("three items, three iterations") {
    auto id = f.start("items_loop", {{"list", boost::json::parse(R"(["a", "b", "c"])")}});
    for (int i = 0; i < 3; ++i) {
      auto each = f.poll("each");
      CHECK(each.input_data.at("index") == i);
      CHECK(each.input_data.at("item") == Json(std::string(1, static_cast<char>('a' + i))));
      f.complete(each);
    }
    auto wf = f.workflow(id);
    CHECK(wf.status == WorkflowStatus::kCompleted);
    CHECK(task(wf, "loop").iteration == 3);
    CHECK(task(wf, "loop").output_data.at("loopIndex") == 2);
    CHECK(task(wf, "loop").output_data.at("loopItem") == "c");
  }
  SECTION("an empty list completes at once") {
    auto id = f.start("items_loop", {{"list", JsonArray{}}});
    auto wf = f.workflow(id);
    CHECK(wf.status == WorkflowStatus::kCompleted);
    CHECK(EngineFixture::statuses(wf) == Statuses{"loop:COMPLETED"});
    CHECK(task(wf, "loop").output_data.at("iteration") == 0);
  }
  SECTION("a single value is one item") {
    auto id = f.start("items_loop", {{"list", "solo"}});
    auto each = f.poll("each");
    CHECK(each.input_data.at("item") == "solo");
    f.complete(each);
    CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
  }
}

TEST_CASE("do_while: a condition that fails to evaluate fails the loop terminally", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "work"})");
  loop_workflow(f, "bad_condition", R"("loopCondition": "$.nothing.here > 1")",
                R"({"name": "work", "taskReferenceName": "work"})");
  auto id = f.start("bad_condition");
  f.complete(f.poll("work"));
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kFailed);
  const auto& loop = task(wf, "loop");
  CHECK(loop.status == TaskStatus::kFailedWithTerminalError);
  CHECK_THAT(*loop.reason_for_incompletion,
             Catch::StartsWith("Unable to evaluate condition $.nothing.here > 1, exception Error evaluating the "
                               "script `TypeError: "));
  CHECK(*wf.reason_for_incompletion == fmt::format("Task {} failed with status: FAILED and reason: '{}'", loop.task_id,
                                                   *loop.reason_for_incompletion));
}

TEST_CASE("do_while: a failing body task is retried in the same iteration", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "flaky", "retryCount": 1, "retryDelaySeconds": 0})");
  loop_workflow(f, "retry_loop", R"("loopCondition": "$.loop['iteration'] < 2")",
                R"({"name": "flaky", "taskReferenceName": "flaky"})");
  auto id = f.start("retry_loop");
  f.report(f.poll("flaky"), TaskResultStatus::kFailed, {}, "try again");
  auto retry = f.poll("flaky");
  CHECK(retry.reference_task_name == "flaky__1");
  CHECK(retry.retry_count == 1);
  CHECK(retry.iteration == 1);
  f.complete(retry, {{"ok", true}});
  CHECK(f.poll("flaky").reference_task_name == "flaky__2");
  auto wf = f.workflow(id);
  CHECK(EngineFixture::statuses(wf) ==
        Statuses{"loop:IN_PROGRESS", "flaky__1:FAILED", "flaky__1:COMPLETED", "flaky__2:IN_PROGRESS"});
  CHECK(task(wf, "loop").output_data.at("1") == boost::json::parse(R"({"flaky": {"ok": true}})"));
}

TEST_CASE("do_while: a body task failing for good fails the workflow and cancels the loop", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "fragile", "retryCount": 0})");
  loop_workflow(f, "fail_loop", R"("loopCondition": "true")", R"({"name": "fragile", "taskReferenceName": "fragile"})");
  auto id = f.start("fail_loop");
  f.report(f.poll("fragile"), TaskResultStatus::kFailed, {}, "broken");
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(EngineFixture::statuses(wf) == Statuses{"loop:CANCELED", "fragile__1:FAILED"});
}

TEST_CASE("do_while: a permissive body task that fails fails the loop with its reason", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "lenient", "retryCount": 0})");
  loop_workflow(f, "permissive_loop", R"("loopCondition": "true")",
                R"({"name": "lenient", "taskReferenceName": "lenient", "permissive": true})");
  auto id = f.start("permissive_loop");
  f.report(f.poll("lenient"), TaskResultStatus::kFailed, {}, "not fatal");
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(task(wf, "loop").status == TaskStatus::kFailed);
  CHECK(task(wf, "loop").reason_for_incompletion == "not fatal ");
}

TEST_CASE("do_while: keepLastN keeps only the newest iterations' outputs and tasks", "[scenario]") {
  EngineFixture f;
  loop_workflow(f, "keep_loop", R"("inputParameters": {"keepLastN": 2}, "loopCondition": "$.loop['iteration'] < 5")",
                R"({"name": "calc", "taskReferenceName": "calc", "type": "INLINE",
                    "inputParameters": {"expression": "$.i", "i": "${loop['iteration']}"}})");
  auto id = f.start("keep_loop");
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(EngineFixture::statuses(wf) == Statuses{"loop:COMPLETED", "calc__4:COMPLETED", "calc__5:COMPLETED"});
  const auto& out = task(wf, "loop").output_data;
  CHECK_FALSE(out.contains("1"));
  CHECK_FALSE(out.contains("3"));
  CHECK(out.at("4") == boost::json::parse(R"({"calc": {"result": 4}})"));
  CHECK(out.at("5") == boost::json::parse(R"({"calc": {"result": 5}})"));
}

TEST_CASE("do_while: a loop nested in a SWITCH case and followed by a task", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "work"})");
  f.task_def(R"({"name": "end"})");
  f.workflow_def(R"({"name": "loop_in_switch", "tasks": [
      {"name": "sw", "taskReferenceName": "sw", "type": "SWITCH", "evaluatorType": "javascript",
       "expression": "'go'", "decisionCases": {"go": [
         {"name": "loop", "taskReferenceName": "loop", "type": "DO_WHILE",
          "loopCondition": "$.loop['iteration'] < 2", "loopOver": [{"name": "work", "taskReferenceName": "work"}]}]}},
      {"name": "end", "taskReferenceName": "end"}]})");
  auto id = f.start("loop_in_switch");
  f.complete(f.poll("work"));
  f.complete(f.poll("work"));
  f.complete(f.poll("end"));
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(EngineFixture::statuses(wf) ==
        Statuses{"sw:COMPLETED", "loop:COMPLETED", "work__1:COMPLETED", "work__2:COMPLETED", "end:COMPLETED"});
}
