#include "engine_fixture.hpp"

using namespace conductor;
using Statuses = std::vector<std::string>;

// EXCLUSIVE_JOIN end to end, after a plain sequence and after a SWITCH; its own decisions are
// covered case by case in tests/unit/exclusive_join_task_test.cpp.
namespace {

std::string with_exclusive_join(const std::string& join_on, const std::string& defaults) {
  return fmt::format(R"({{
    "name": "ej_wf", "version": 1, "schemaVersion": 2,
    "tasks": [
      {{"name": "task1", "taskReferenceName": "task1"}},
      {{"name": "ej", "taskReferenceName": "ej", "type": "EXCLUSIVE_JOIN",
        "joinOn": {}, "defaultExclusiveJoinTask": {}}},
      {{"name": "after", "taskReferenceName": "after", "inputParameters": {{"picked": "${{ej.output.from}}"}}}}
    ]
  }})",
                     join_on, defaults);
}

}  // namespace

SCENARIO("exclusive join: completes in the decide that schedules it with the output of the task that ran",
         "[scenario]") {
  EngineFixture f;
  for (auto name : {"task1", "after"}) f.task_def(fmt::format(R"({{"name": "{}", "retryCount": 0}})", name));

  GIVEN("an exclusive join whose joined tasks never ran, with task1 as its default") {
    f.workflow_def(with_exclusive_join(R"(["task3", "task5"])", R"(["task1"])"));
    auto id = f.start("ej_wf");
    WHEN("task1 completes") {
      f.complete(f.poll("task1"), {{"from", "task1"}});
      THEN("the exclusive join takes task1's output and the next task runs") {
        auto wf = f.workflow(id);
        CHECK(EngineFixture::statuses(wf) == Statuses{"task1:COMPLETED", "ej:COMPLETED", "after:SCHEDULED"});
        CHECK(wf.tasks[1].task_type == "EXCLUSIVE_JOIN");
        CHECK(wf.tasks[1].output_data == JsonObject{{"from", "task1"}});
        CHECK(f.poll("after").input_data.at("picked") == "task1");
      }
    }
  }
  GIVEN("an exclusive join on task1 itself") {
    f.workflow_def(with_exclusive_join(R"(["task1"])", "[]"));
    auto id = f.start("ej_wf");
    f.complete(f.poll("task1"), {{"from", "joined"}});
    THEN("it completes with that task's output") {
      CHECK(f.poll("after").input_data.at("picked") == "joined");
      CHECK(f.workflow(id).tasks[1].status == TaskStatus::kCompleted);
    }
  }
  GIVEN("an exclusive join on tasks none of which ran and no default") {
    f.workflow_def(with_exclusive_join(R"(["task3"])", "[]"));
    auto id = f.start("ej_wf");
    f.complete(f.poll("task1"));
    THEN("it stays IN_PROGRESS and the workflow waits") {
      auto wf = f.workflow(id);
      CHECK(EngineFixture::statuses(wf) == Statuses{"task1:COMPLETED", "ej:IN_PROGRESS"});
      CHECK(wf.status == WorkflowStatus::kRunning);
    }
  }
}

SCENARIO("exclusive join: after a SWITCH it takes the output of the case that ran", "[scenario]") {
  EngineFixture f;
  for (auto name : {"task1", "task3", "task5", "after"})
    f.task_def(fmt::format(R"({{"name": "{}", "retryCount": 0}})", name));
  f.workflow_def(R"({
    "name": "switch_ej", "version": 1, "schemaVersion": 2,
    "tasks": [
      {"name": "task1", "taskReferenceName": "task1"},
      {"name": "route", "taskReferenceName": "route", "type": "SWITCH", "evaluatorType": "value-param",
       "expression": "pick", "inputParameters": {"pick": "${workflow.input.pick}"},
       "decisionCases": {"three": [{"name": "task3", "taskReferenceName": "task3"}],
                         "five": [{"name": "task5", "taskReferenceName": "task5"}]}},
      {"name": "ej", "taskReferenceName": "ej", "type": "EXCLUSIVE_JOIN",
       "joinOn": ["task3", "task5"], "defaultExclusiveJoinTask": ["task1"]},
      {"name": "after", "taskReferenceName": "after", "inputParameters": {"picked": "${ej.output.from}"}}
    ]
  })");

  for (const std::string pick : {"three", "five"}) {
    GIVEN("the switch picks " + pick) {
      auto id = f.start("switch_ej", {{"pick", pick}});
      f.complete(f.poll("task1"), {{"from", "task1"}});
      const std::string chosen = pick == "three" ? "task3" : "task5";
      f.complete(f.poll(chosen), {{"from", chosen}});
      THEN("the exclusive join completes with that case's output") {
        auto wf = f.workflow(id);
        CHECK(EngineFixture::statuses(wf) == Statuses{"task1:COMPLETED", "route:COMPLETED", chosen + ":COMPLETED",
                                                      "ej:COMPLETED", "after:SCHEDULED"});
        CHECK(f.poll("after").input_data.at("picked") == Json(chosen));
      }
    }
  }
  GIVEN("the switch matches no case") {
    auto id = f.start("switch_ej", {{"pick", "none"}});
    f.complete(f.poll("task1"), {{"from", "task1"}});
    THEN("the exclusive join falls back to task1 in the same decide") {
      auto wf = f.workflow(id);
      CHECK(EngineFixture::statuses(wf) ==
            Statuses{"task1:COMPLETED", "route:COMPLETED", "ej:COMPLETED", "after:SCHEDULED"});
      CHECK(f.poll("after").input_data.at("picked") == "task1");
    }
  }
}
