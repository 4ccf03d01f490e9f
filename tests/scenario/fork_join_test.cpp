#include "engine_fixture.hpp"

using namespace conductor;
using Statuses = std::vector<std::string>;

namespace {

// fork: [a1 → a2] and [b1], joined on the last task of each branch, then `final`.
const char* kForkJoin = R"({
  "name": "fork_wf", "version": 1, "schemaVersion": 2,
  "tasks": [
    {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN",
     "forkTasks": [[{"name": "a1", "taskReferenceName": "a1"}, {"name": "a2", "taskReferenceName": "a2"}],
                   [{"name": "b1", "taskReferenceName": "b1"}]]},
    {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["a2", "b1"]},
    {"name": "final", "taskReferenceName": "final",
     "inputParameters": {"fromA": "${a2.output.v}", "fromB": "${b1.output.v}", "joined": "${join.output}"}}
  ]
})";

// Two branches of one task each; `fields` is spliced into the b1 node (optional, permissive).
std::string two_branches(const std::string& b1_fields) {
  return fmt::format(R"({{
    "name": "branches", "version": 1, "schemaVersion": 2,
    "tasks": [
      {{"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN",
        "forkTasks": [[{{"name": "a1", "taskReferenceName": "a1"}}],
                      [{{"name": "b1", "taskReferenceName": "b1"{}}}]]}},
      {{"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["a1", "b1"]}},
      {{"name": "final", "taskReferenceName": "final"}}
    ]
  }})",
                     b1_fields);
}

void define_tasks(EngineFixture& f, std::initializer_list<const char*> names, const std::string& fields = "") {
  for (auto name : names) f.task_def(fmt::format(R"({{"name": "{}", "retryCount": 0{}}})", name, fields));
}

const Task& task(const Workflow& wf, std::string_view ref) {
  for (const auto& t : wf.tasks)
    if (t.reference_task_name == ref) return t;
  FAIL("no task " << ref);
  throw;
}

}  // namespace

SCENARIO("fork/join: branches run in parallel and the JOIN collects their outputs", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"a1", "a2", "b1", "final"});
  f.workflow_def(kForkJoin);

  GIVEN("a started fork/join workflow") {
    auto id = f.start("fork_wf");
    auto wf = f.workflow(id);
    REQUIRE(EngineFixture::statuses(wf) ==
            Statuses{"fork:COMPLETED", "a1:SCHEDULED", "b1:SCHEDULED", "join:IN_PROGRESS"});
    CHECK(task(wf, "fork").task_type == "FORK");
    CHECK(task(wf, "join").task_type == "JOIN");
    CHECK(task(wf, "join").task_def_name == "JOIN");
    CHECK(task(wf, "join").input_data == JsonObject{{"joinOn", JsonArray{"a2", "b1"}}});

    WHEN("both branch heads are polled together and finished out of order") {
      auto a1 = f.poll("a1");
      auto b1 = f.poll("b1");
      f.complete(b1, {{"v", "B1"}});
      f.complete(a1, {{"v", "A1"}});
      wf = f.workflow(id);
      REQUIRE(EngineFixture::statuses(wf) == Statuses{"fork:COMPLETED", "a1:COMPLETED", "b1:COMPLETED",
                                                      "join:IN_PROGRESS", "a2:SCHEDULED"});
      f.complete(f.poll("a2"), {{"v", "A2"}});

      THEN("the JOIN completes in the same update as its last input, and the next task sees its output") {
        wf = f.workflow(id);
        CHECK(EngineFixture::statuses(wf) == Statuses{"fork:COMPLETED", "a1:COMPLETED", "b1:COMPLETED",
                                                      "join:COMPLETED", "a2:COMPLETED", "final:SCHEDULED"});
        const auto& join = task(wf, "join");
        CHECK(join.output_data == JsonObject{{"a2", JsonObject{{"v", "A2"}}}, {"b1", JsonObject{{"v", "B1"}}}});
        CHECK(join.end_time > 0);
        CHECK(f.engine.queue().queue_size("JOIN") == 0);
        auto last = f.poll("final");
        CHECK(last.input_data.at("fromA") == "A2");
        CHECK(last.input_data.at("fromB") == "B1");
        CHECK(last.input_data.at("joined").as_object().size() == 2);
        f.complete(last);
        CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
      }
    }
  }
}

TEST_CASE("fork/join: tasks with empty outputs add no key to the JOIN output", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"a1", "b1", "final"});
  f.workflow_def(two_branches(""));
  auto id = f.start("branches");
  f.complete(f.poll("a1"));
  f.complete(f.poll("b1"), {{"n", 1}});
  auto wf = f.workflow(id);
  CHECK(task(wf, "join").status == TaskStatus::kCompleted);
  CHECK(task(wf, "join").output_data == JsonObject{{"b1", JsonObject{{"n", 1}}}});
}

TEST_CASE("fork/join: nested forks schedule depth first and each JOIN waits for its own branches", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"t11", "t12", "t13", "t14", "t20", "t15"});
  f.workflow_def(R"({
    "name": "nested", "version": 1, "schemaVersion": 2,
    "tasks": [
      {"name": "fork1", "taskReferenceName": "fork1", "type": "FORK_JOIN", "forkTasks": [
        [{"name": "t11", "taskReferenceName": "t11"}],
        [{"name": "fork2", "taskReferenceName": "fork2", "type": "FORK_JOIN", "forkTasks": [
           [{"name": "t12", "taskReferenceName": "t12"}, {"name": "t14", "taskReferenceName": "t14"}],
           [{"name": "t13", "taskReferenceName": "t13"}, {"name": "t20", "taskReferenceName": "t20"}]]},
         {"name": "join2", "taskReferenceName": "join2", "type": "JOIN", "joinOn": ["t14", "t20"]}]]},
      {"name": "join1", "taskReferenceName": "join1", "type": "JOIN", "joinOn": ["t11", "join2"]},
      {"name": "t15", "taskReferenceName": "t15"}
    ]
  })");
  auto id = f.start("nested");
  auto wf = f.workflow(id);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"fork1:COMPLETED", "t11:SCHEDULED", "fork2:COMPLETED",
                                                  "t12:SCHEDULED", "t13:SCHEDULED", "join2:IN_PROGRESS",
                                                  "join1:IN_PROGRESS"});
  CHECK(task(wf, "join1").input_data.at("joinOn") == JsonArray{"t11", "join2"});

  f.complete(f.poll("t11"), {{"k", 11}});
  f.complete(f.poll("t12"));
  f.complete(f.poll("t13"));
  f.complete(f.poll("t14"), {{"k", 14}});
  wf = f.workflow(id);
  CHECK(task(wf, "join2").status == TaskStatus::kInProgress);
  CHECK(task(wf, "join1").status == TaskStatus::kInProgress);
  f.complete(f.poll("t20"), {{"k", 20}});

  wf = f.workflow(id);
  CHECK(task(wf, "join2").status == TaskStatus::kCompleted);
  CHECK(task(wf, "join1").status == TaskStatus::kCompleted);
  CHECK(task(wf, "join1").output_data.at("join2").as_object().at("t20").as_object().at("k") == 20);
  CHECK(task(wf, "join1").output_data.at("t11").as_object().at("k") == 11);
  CHECK(wf.tasks.back().reference_task_name == "t15");
  f.complete(f.poll("t15"));
  CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("fork/join: a failed branch without retries fails the workflow and cancels the rest", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"a1", "b1", "final"});
  f.workflow_def(two_branches(""));
  auto id = f.start("branches");
  f.poll("a1");
  auto b1 = f.poll("b1");
  f.report(b1, TaskResultStatus::kFailed, {}, "b1 broke");
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(EngineFixture::statuses(wf) ==
        Statuses{"fork:COMPLETED", "a1:CANCELED", "b1:FAILED", "join:CANCELED"});
  CHECK(*wf.reason_for_incompletion ==
        fmt::format("Task {} failed with status: FAILED and reason: 'b1 broke'", b1.task_id));
  CHECK(f.engine.queue().queue_size("JOIN") == 0);
}

TEST_CASE("fork/join: a failed branch is retried while the JOIN keeps waiting", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"a1", "final"});
  f.task_def(R"({"name": "b1", "retryCount": 1, "retryDelaySeconds": 0})");
  f.workflow_def(two_branches(""));
  auto id = f.start("branches");
  f.complete(f.poll("a1"));
  f.report(f.poll("b1"), TaskResultStatus::kFailed, {}, "flaky");
  auto wf = f.workflow(id);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"fork:COMPLETED", "a1:COMPLETED", "b1:FAILED",
                                                  "join:IN_PROGRESS", "b1:SCHEDULED"});
  f.complete(f.poll("b1"), {{"ok", true}});
  wf = f.workflow(id);
  CHECK(task(wf, "join").status == TaskStatus::kCompleted);
  CHECK(task(wf, "join").output_data.at("b1").as_object().at("ok") == true);
  CHECK(wf.tasks.back().reference_task_name == "final");
}

TEST_CASE("fork/join: an optional branch that fails lets the JOIN complete with errors", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"a1", "b1", "final"});
  f.workflow_def(two_branches(R"(, "optional": true)"));
  auto id = f.start("branches");
  auto b1 = f.poll("b1");
  f.report(b1, TaskResultStatus::kFailed, {}, "optional broke");
  auto wf = f.workflow(id);
  REQUIRE(task(wf, "b1").status == TaskStatus::kCompletedWithErrors);
  CHECK(task(wf, "join").status == TaskStatus::kInProgress);
  f.complete(f.poll("a1"));

  wf = f.workflow(id);
  const auto& join = task(wf, "join");
  CHECK(join.status == TaskStatus::kCompletedWithErrors);
  CHECK(*join.reason_for_incompletion == fmt::format("b1/{} completed with errors", b1.task_id));
  f.complete(f.poll("final"));
  wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(wf.failed_reference_task_names.empty());
}

TEST_CASE("fork/join: a permissive branch failure fails the JOIN once every branch has ended", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"a1", "b1", "final"});
  f.workflow_def(two_branches(R"(, "permissive": true)"));
  auto id = f.start("branches");
  auto b1 = f.poll("b1");
  f.report(b1, TaskResultStatus::kFailed, {}, "permissive broke");
  auto wf = f.workflow(id);
  REQUIRE(wf.status == WorkflowStatus::kRunning);
  CHECK(task(wf, "b1").status == TaskStatus::kFailed);
  CHECK(task(wf, "join").status == TaskStatus::kInProgress);

  f.complete(f.poll("a1"));
  wf = f.workflow(id);
  const auto& join = task(wf, "join");
  CHECK(join.status == TaskStatus::kFailed);
  CHECK(*join.reason_for_incompletion == "permissive broke");
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(*wf.reason_for_incompletion ==
        fmt::format("Task {} failed with status: FAILED and reason: 'permissive broke'", join.task_id));
  CHECK(f.nothing_to_poll("final"));
}

TEST_CASE("fork/join: a JOIN ends in the same sweep that times its last input out", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"a1", "final"});
  f.task_def(R"({"name": "b1", "retryCount": 0, "responseTimeoutSeconds": 5})");
  f.workflow_def(two_branches(R"(, "optional": true)"));
  auto id = f.start("branches");
  f.complete(f.poll("a1"));
  f.poll("b1");
  f.advance(6);
  auto wf = f.workflow(id);
  CHECK(task(wf, "b1").status == TaskStatus::kCompletedWithErrors);
  CHECK(task(wf, "join").status == TaskStatus::kCompletedWithErrors);
  CHECK(wf.tasks.back().reference_task_name == "final");
}

TEST_CASE("fork/join: a successful update of a joined task leaves the decide to the JOIN (lazy evaluation)",
          "[scenario]") {
  // a1 is joined on but is not the end of its branch: like Conductor, finishing it does not schedule
  // a2 until a decide happens, here the one the completed JOIN triggers.
  EngineFixture f;
  define_tasks(f, {"a1", "a2", "b1", "final"});
  f.workflow_def(R"({
    "name": "lazy", "version": 1, "schemaVersion": 2,
    "tasks": [
      {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN",
       "forkTasks": [[{"name": "a1", "taskReferenceName": "a1"}, {"name": "a2", "taskReferenceName": "a2"}],
                     [{"name": "b1", "taskReferenceName": "b1"}]]},
      {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["a1", "b1"]},
      {"name": "final", "taskReferenceName": "final"}
    ]
  })");
  auto id = f.start("lazy");
  f.complete(f.poll("a1"));
  auto wf = f.workflow(id);
  CHECK(EngineFixture::statuses(wf) ==
        Statuses{"fork:COMPLETED", "a1:COMPLETED", "b1:SCHEDULED", "join:IN_PROGRESS"});
  CHECK_FALSE(task(wf, "a1").executed);
  f.complete(f.poll("b1"));
  wf = f.workflow(id);
  CHECK(EngineFixture::statuses(wf) == Statuses{"fork:COMPLETED", "a1:COMPLETED", "b1:COMPLETED",
                                                "join:COMPLETED", "a2:SCHEDULED", "final:SCHEDULED"});
}

TEST_CASE("fork/join: the JOIN queue re-checks a waiting JOIN and finds it unchanged", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"a1", "b1", "final"});
  f.workflow_def(two_branches(""));
  auto id = f.start("branches");
  CHECK(f.engine.queue().queue_size("JOIN") == 1);
  f.advance(0);
  f.advance(1);
  auto join = task(f.workflow(id), "join");
  CHECK(join.status == TaskStatus::kInProgress);
  CHECK(join.poll_count == 2);
  CHECK(join.callback_after_seconds == 1);
  CHECK(f.engine.queue().queue_size("JOIN") == 1);
}

TEST_CASE("fork/join: a FORK_JOIN not followed by a JOIN fails the workflow", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"a1", "b1"});
  f.workflow_def(R"({
    "name": "no_join", "version": 1, "schemaVersion": 2,
    "tasks": [
      {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN",
       "forkTasks": [[{"name": "a1", "taskReferenceName": "a1"}], [{"name": "b1", "taskReferenceName": "b1"}]]},
      {"name": "b1", "taskReferenceName": "after"}
    ]
  })");
  auto wf = f.workflow(f.start("no_join"));
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(wf.tasks.empty());
  CHECK(*wf.reason_for_incompletion == "Fork task definition is not followed by a join task.  Check the blueprint");
}

TEST_CASE("fork/join: retrying a failed fork keeps the JOIN and gives the branches new attempts", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"a1", "b1", "final"});
  f.workflow_def(two_branches(""));
  auto id = f.start("branches");
  f.poll("a1");
  f.report(f.poll("b1"), TaskResultStatus::kFailed, {}, "b1 broke");
  auto failed = f.workflow(id);
  REQUIRE(failed.status == WorkflowStatus::kFailed);
  const auto join_id = task(failed, "join").task_id;

  f.engine.executor().retry(id);
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kRunning);
  CHECK(EngineFixture::statuses(wf) == Statuses{"fork:COMPLETED", "a1:CANCELED", "b1:FAILED", "join:IN_PROGRESS",
                                                "a1:SCHEDULED", "b1:SCHEDULED"});
  f.complete(f.poll("a1"), {{"n", 1}});
  f.complete(f.poll("b1"), {{"n", 2}});
  wf = f.workflow(id);
  const auto& join = task(wf, "join");
  CHECK(join.task_id == join_id);
  CHECK(join.status == TaskStatus::kCompleted);
  CHECK(join.output_data.size() == 2);
  CHECK(wf.tasks.back().reference_task_name == "final");
}

TEST_CASE("fork/join: inside a DO_WHILE each iteration forks and joins its own tasks", "[scenario]") {
  EngineFixture f;
  define_tasks(f, {"a1", "b1", "final"});
  f.workflow_def(R"({
    "name": "loop_fork", "version": 1, "schemaVersion": 2,
    "tasks": [
      {"name": "loop", "taskReferenceName": "loop", "type": "DO_WHILE",
       "loopCondition": "$.loop['iteration'] < 2",
       "loopOver": [
         {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN",
          "forkTasks": [[{"name": "a1", "taskReferenceName": "a1"}], [{"name": "b1", "taskReferenceName": "b1"}]]},
         {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["a1", "b1"]}]},
      {"name": "final", "taskReferenceName": "final"}
    ]
  })");
  auto id = f.start("loop_fork");
  for (int i = 1; i <= 2; ++i) {
    auto a = f.poll("a1");
    auto b = f.poll("b1");
    CHECK(a.reference_task_name == fmt::format("a1__{}", i));
    f.complete(a, {{"i", i}});
    CHECK(task(f.workflow(id), fmt::format("join__{}", i)).status == TaskStatus::kInProgress);
    f.complete(b);
    auto join = task(f.workflow(id), fmt::format("join__{}", i));
    CHECK(join.status == TaskStatus::kCompleted);
    CHECK(join.output_data.at(fmt::format("a1__{}", i)) == JsonObject{{"i", i}});
  }
  auto wf = f.workflow(id);
  CHECK(task(wf, "loop").status == TaskStatus::kCompleted);
  CHECK(wf.tasks.back().reference_task_name == "final");
}
