#include "engine_fixture.hpp"

using namespace conductor;
using Statuses = std::vector<std::string>;

namespace {

// dt1 produces the forked tasks and their inputs; the dynamic fork runs them; task4 follows the JOIN.
const char* kListedForks = R"({
  "name": "dynfork", "version": 1, "schemaVersion": 2,
  "tasks": [
    {"name": "task_1", "taskReferenceName": "dt1"},
    {"name": "fanout", "taskReferenceName": "fanout", "type": "FORK_JOIN_DYNAMIC",
     "inputParameters": {"dynamicTasks": "${dt1.output.dynamicTasks}",
                         "dynamicTasksInput": "${dt1.output.dynamicTasksInput}"},
     "dynamicForkTasksParam": "dynamicTasks", "dynamicForkTasksInputParamName": "dynamicTasksInput"},
    {"name": "fanout_join", "taskReferenceName": "fanout_join", "type": "JOIN"},
    {"name": "task_4", "taskReferenceName": "task4", "inputParameters": {"joined": "${fanout_join.output}"}}
  ]
})";

// One task per item of `forkTaskInputs`, named by `forkTaskName`; `extra` is spliced into the node.
std::string same_task_forks(const std::string& name, const std::string& extra = "") {
  return fmt::format(R"({{
    "name": "{}", "version": 1, "schemaVersion": 2,
    "tasks": [
      {{"name": "fanout", "taskReferenceName": "fanout", "type": "FORK_JOIN_DYNAMIC",
        "inputParameters": {{"forkTaskName": "work", "forkTaskInputs": "${{workflow.input.items}}"}}{}}},
      {{"name": "fanout_join", "taskReferenceName": "fanout_join", "type": "JOIN"}},
      {{"name": "task_4", "taskReferenceName": "task4"}}
    ]
  }})",
                     name, extra);
}

const Task& task(const Workflow& wf, std::string_view ref) {
  for (const auto& t : wf.tasks)
    if (t.reference_task_name == ref) return t;
  FAIL("no task " << ref);
  throw;
}

void define_tasks(EngineFixture& f, std::initializer_list<const char*> names) {
  for (auto name : names) f.task_def(fmt::format(R"({{"name": "{}", "retryCount": 0}})", name));
}

JsonObject listed(JsonArray tasks, Json inputs) {
  return {{"dynamicTasks", std::move(tasks)}, {"dynamicTasksInput", std::move(inputs)}};
}

}  // namespace

SCENARIO("dynamic fork: tasks listed at run time run in parallel with their own inputs", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"task_1", "task_2", "task_3", "task_4"});
  f.workflow_def(kListedForks);

  GIVEN("a workflow whose first task lists two tasks to fork") {
    auto id = f.start("dynfork");
    f.complete(f.poll("task_1"),
               listed(JsonArray{JsonObject{{"name", "task_2"}, {"taskReferenceName", "xdt1"}, {"type", "SIMPLE"}},
                                JsonObject{{"name", "task_3"}, {"taskReferenceName", "xdt2"}, {"type", "SIMPLE"}}},
                      JsonObject{{"xdt1", JsonObject{{"k1", "v1"}}}, {"xdt2", JsonObject{{"k2", "v2"}}}}));
    auto wf = f.workflow(id);
    REQUIRE(EngineFixture::statuses(wf) == Statuses{"dt1:COMPLETED", "fanout:COMPLETED", "xdt1:SCHEDULED",
                                                    "xdt2:SCHEDULED", "fanout_join:IN_PROGRESS"});
    const auto& fork = task(wf, "fanout");
    CHECK(fork.task_type == "FORK");
    CHECK(fork.input_data.at("forkedTasks") == JsonArray{"xdt1", "xdt2"});
    CHECK(fork.input_data.at("forkedTaskDefs").as_array().size() == 2);
    CHECK(task(wf, "xdt1").task_type == "task_2");
    CHECK(task(wf, "fanout_join").input_data.at("joinOn") == JsonArray{"xdt1", "xdt2"});

    WHEN("the forked tasks are worked") {
      auto x1 = f.poll("task_2");
      auto x2 = f.poll("task_3");
      CHECK(x1.reference_task_name == "xdt1");
      CHECK(x1.input_data.at("k1") == "v1");
      CHECK(x2.input_data.at("k2") == "v2");
      f.complete(x1, {{"ok1", "ov1"}});
      CHECK(task(f.workflow(id), "fanout_join").status == TaskStatus::kInProgress);
      f.complete(x2, {{"ok2", "ov2"}});

      THEN("the JOIN completes with every output and the workflow goes on") {
        wf = f.workflow(id);
        CHECK(EngineFixture::statuses(wf) == Statuses{"dt1:COMPLETED", "fanout:COMPLETED", "xdt1:COMPLETED",
                                                      "xdt2:COMPLETED", "fanout_join:COMPLETED", "task4:SCHEDULED"});
        const JsonObject expected{{"xdt1", JsonObject{{"ok1", "ov1"}}}, {"xdt2", JsonObject{{"ok2", "ov2"}}}};
        CHECK(task(wf, "fanout_join").output_data == expected);
        auto t4 = f.poll("task_4");
        CHECK(t4.input_data.at("joined") == expected);
        f.complete(t4);
        CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
      }
    }
  }
}

TEST_CASE("dynamic fork: a failed forked task without retries fails the workflow", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"task_1", "task_2", "task_3", "task_4"});
  f.workflow_def(kListedForks);
  auto id = f.start("dynfork");
  f.complete(f.poll("task_1"),
             listed(JsonArray{JsonObject{{"name", "task_2"}, {"taskReferenceName", "xdt1"}},
                              JsonObject{{"name", "task_3"}, {"taskReferenceName", "xdt2"}}},
                    JsonObject{}));
  f.report(f.poll("task_2"), TaskResultStatus::kFailed, {}, "no luck");
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(EngineFixture::statuses(wf) == Statuses{"dt1:COMPLETED", "fanout:COMPLETED", "xdt1:FAILED",
                                                "xdt2:CANCELED", "fanout_join:CANCELED"});
}

TEST_CASE("dynamic fork: an empty list forks nothing and the JOIN completes at once", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"task_1", "task_4"});
  f.workflow_def(kListedForks);
  auto id = f.start("dynfork");
  f.complete(f.poll("task_1"), listed(JsonArray{}, JsonObject{}));
  auto wf = f.workflow(id);
  CHECK(EngineFixture::statuses(wf) ==
        Statuses{"dt1:COMPLETED", "fanout:COMPLETED", "fanout_join:COMPLETED", "task4:SCHEDULED"});
  CHECK(task(wf, "fanout_join").input_data.at("joinOn") == JsonArray{});
}

TEST_CASE("dynamic fork: invalid input fails the workflow without scheduling anything", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"task_1", "task_2", "task_4"});
  f.workflow_def(kListedForks);

  SECTION("the per-task inputs are not a map") {
    auto id = f.start("dynfork");
    f.complete(f.poll("task_1"),
               listed(JsonArray{JsonObject{{"name", "task_2"}, {"taskReferenceName", "xdt1"}}}, JsonArray{"x", 1}));
    auto wf = f.workflow(id);
    CHECK(wf.status == WorkflowStatus::kFailed);
    CHECK(EngineFixture::statuses(wf) == Statuses{"dt1:COMPLETED"});
    CHECK(*wf.reason_for_incompletion ==
          "Input to the dynamically forked tasks is not a map -> expecting a map of K,V  but found [x, 1]");
    CHECK(f.nothing_to_poll("task_2"));
  }
  SECTION("the task list is not a list of tasks") {
    auto id = f.start("dynfork");
    f.complete(f.poll("task_1"), listed(JsonArray{JsonObject{{"name", "task_2"}}}, JsonObject{}));
    auto wf = f.workflow(id);
    CHECK(wf.status == WorkflowStatus::kFailed);
    CHECK(*wf.reason_for_incompletion ==
          "Input 'dynamicTasks' is invalid. Cannot deserialize a list of Workflow Tasks from '[{name=task_2}]'");
  }
  SECTION("the dynamic fork is the first task: the workflow fails at start with no tasks") {
    f.workflow_def(R"({
      "name": "dynfork_first", "version": 1, "schemaVersion": 2,
      "tasks": [
        {"name": "fanout", "taskReferenceName": "fanout", "type": "FORK_JOIN_DYNAMIC",
         "inputParameters": {"dynamicTasks": "${workflow.input.tasks}",
                             "dynamicTasksInput": "${workflow.input.inputs}"},
         "dynamicForkTasksParam": "dynamicTasks", "dynamicForkTasksInputParamName": "dynamicTasksInput"},
        {"name": "fanout_join", "taskReferenceName": "fanout_join", "type": "JOIN"}
      ]
    })");
    auto wf = f.workflow(f.start("dynfork_first", {{"tasks", JsonArray{}}, {"inputs", "oops"}}));
    CHECK(wf.status == WorkflowStatus::kFailed);
    CHECK(wf.tasks.empty());
    CHECK(*wf.reason_for_incompletion ==
          "Input to the dynamically forked tasks is not a map -> expecting a map of K,V  but found oops");
  }
}

TEST_CASE("dynamic fork: forkTaskInputs runs the named task once per item", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"work", "task_4"});
  f.workflow_def(same_task_forks("per_item"));
  auto id = f.start("per_item", {{"items", JsonArray{JsonObject{{"x", 1}}, JsonObject{{"x", 2}}, 3}}});
  auto wf = f.workflow(id);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"fanout:COMPLETED", "_work_0:SCHEDULED", "_work_1:SCHEDULED",
                                                  "_work_2:SCHEDULED", "fanout_join:IN_PROGRESS"});
  CHECK(task(wf, "fanout_join").input_data.at("joinOn") == JsonArray{"_work_0", "_work_1", "_work_2"});

  std::vector<JsonObject> inputs;
  for (int i = 0; i < 3; ++i) {
    auto t = f.poll("work");
    inputs.push_back(t.input_data);
    f.complete(t, {{"i", t.input_data.at("__index")}});
  }
  CHECK(inputs[0] == JsonObject{{"x", 1}, {"__index", 0}});
  CHECK(inputs[1] == JsonObject{{"x", 2}, {"__index", 1}});
  CHECK(inputs[2] == JsonObject{{"input", 3}, {"__index", 2}});
  wf = f.workflow(id);
  CHECK(task(wf, "fanout_join").status == TaskStatus::kCompleted);
  CHECK(task(wf, "fanout_join").output_data.at("_work_2") == JsonObject{{"i", 2}});
  CHECK(wf.tasks.back().reference_task_name == "task4");
}

TEST_CASE("dynamic fork: the tasks of an optional dynamic fork are optional", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"work", "task_4"});
  f.workflow_def(same_task_forks("optional_items", R"(, "optional": true)"));
  auto id = f.start("optional_items", {{"items", JsonArray{1, 2}}});
  auto first = f.poll("work");
  f.report(first, TaskResultStatus::kFailed, {}, "bad item");
  f.complete(f.poll("work"));
  auto wf = f.workflow(id);
  CHECK(task(wf, first.reference_task_name).status == TaskStatus::kCompletedWithErrors);
  CHECK(task(wf, "fanout_join").status == TaskStatus::kCompletedWithErrors);
  CHECK(wf.status == WorkflowStatus::kRunning);
  CHECK(wf.tasks.back().reference_task_name == "task4");
}

TEST_CASE("dynamic fork: a second dynamic fork prefixes its references with its own", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"work"});
  f.workflow_def(R"({
    "name": "two_forks", "version": 1, "schemaVersion": 2,
    "tasks": [
      {"name": "first", "taskReferenceName": "first", "type": "FORK_JOIN_DYNAMIC",
       "inputParameters": {"forkTaskName": "work", "forkTaskInputs": [1]}},
      {"name": "first_join", "taskReferenceName": "first_join", "type": "JOIN"},
      {"name": "second", "taskReferenceName": "second", "type": "FORK_JOIN_DYNAMIC",
       "inputParameters": {"forkTaskName": "work", "forkTaskInputs": [2]}},
      {"name": "second_join", "taskReferenceName": "second_join", "type": "JOIN"}
    ]
  })");
  auto id = f.start("two_forks");
  f.complete(f.poll("work"));
  auto wf = f.workflow(id);
  CHECK(EngineFixture::statuses(wf) ==
        Statuses{"first:COMPLETED", "_work_0:COMPLETED", "first_join:COMPLETED", "second:COMPLETED",
                 "_second_work_0:SCHEDULED", "second_join:IN_PROGRESS"});
  f.complete(f.poll("work"));
  CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("dynamic fork: the legacy dynamicForkJoinTasksParam form", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"task_2"});
  f.workflow_def(R"({
    "name": "legacy", "version": 1, "schemaVersion": 2,
    "tasks": [
      {"name": "fanout", "taskReferenceName": "fanout", "type": "FORK_JOIN_DYNAMIC",
       "inputParameters": {"forks": "${workflow.input.forks}"}, "dynamicForkJoinTasksParam": "forks"},
      {"name": "fanout_join", "taskReferenceName": "fanout_join", "type": "JOIN"}
    ]
  })");

  SECTION("each listed task runs with its input") {
    JsonObject forks{{"dynamicTasks", JsonArray{JsonObject{{"taskName", "task_2"},
                                                          {"referenceName", "l1"},
                                                          {"input", JsonObject{{"a", 1}}}},
                                               JsonObject{{"taskName", "task_2"}, {"referenceName", "l2"}}}}};
    auto id = f.start("legacy", {{"forks", forks}});
    auto first = f.poll("task_2");
    auto second = f.poll("task_2");
    CHECK(first.reference_task_name == "l1");
    CHECK(first.input_data == JsonObject{{"a", 1}});
    CHECK(second.input_data.empty());
    f.complete(first);
    f.complete(second);
    CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
  }
  SECTION("no task list fails the workflow") {
    auto wf = f.workflow(f.start("legacy", {{"other", 1}}));
    CHECK(wf.status == WorkflowStatus::kFailed);
    CHECK(*wf.reason_for_incompletion ==
          "Dynamic tasks could not be created. The value of forks from task's input {forks=null} has no dynamic "
          "tasks to be scheduled");
  }
}
