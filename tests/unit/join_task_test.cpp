#include "system_task_fixture.hpp"
#include "tasks/join.hpp"

using namespace conductor;
using conductor::detail::JoinTask;

namespace {

Task& join_on(SystemTaskFixture& f, JsonArray refs, int iteration = 0) {
  Task& join = f.add(iteration ? "join__" + std::to_string(iteration) : "join", TaskStatus::kInProgress);
  join.task_type = "JOIN";
  join.iteration = iteration;
  join.input_data = {{"joinOn", std::move(refs)}};
  return join;
}

}  // namespace

TEST_CASE("join task: the mapper keeps only joinOn as input", "[unit]") {
  SystemTaskFixture f;
  auto node = decode<WorkflowTask>(
      R"({"name": "j", "taskReferenceName": "j", "type": "JOIN", "joinOn": ["a", "b"], "inputParameters": {"x": 1}})");
  auto tasks = f.map(JoinTask{}, node);
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].task_type == "JOIN");
  CHECK(tasks[0].task_def_name == "JOIN");
  CHECK(tasks[0].status == TaskStatus::kInProgress);
  CHECK(tasks[0].start_time == 1000);
  CHECK(tasks[0].input_data == JsonObject{{"joinOn", JsonArray{"a", "b"}}});
}

TEST_CASE("join task: waits, collecting outputs, until every joined task is terminal", "[unit]") {
  SystemTaskFixture f;
  f.add("a", TaskStatus::kCompleted, {{"x", 1}});
  f.add("b", TaskStatus::kInProgress);
  Task& join = join_on(f, {"a", "b", "c"});
  CHECK(f.execute(JoinTask{}, join));
  CHECK(join.status == TaskStatus::kInProgress);
  CHECK(join.output_data == JsonObject{{"a", JsonObject{{"x", 1}}}});
  CHECK_FALSE(f.execute(JoinTask{}, join));

  f.workflow.tasks[1].status = TaskStatus::kCompleted;
  CHECK_FALSE(f.execute(JoinTask{}, join));  // c was never scheduled
  f.add("c", TaskStatus::kSkipped, {{"y", 2}});
  CHECK(f.execute(JoinTask{}, join));
  CHECK(join.status == TaskStatus::kCompleted);
  CHECK(join.output_data.size() == 2);
}

TEST_CASE("join task: the newest attempt of a joined task counts", "[unit]") {
  SystemTaskFixture f;
  f.add("a", TaskStatus::kFailed).retried = true;
  f.add("a", TaskStatus::kCompleted, {{"try", 2}});
  Task& join = join_on(f, {"a"});
  CHECK(f.execute(JoinTask{}, join));
  CHECK(join.status == TaskStatus::kCompleted);
  CHECK(join.output_data.at("a") == JsonObject{{"try", 2}});
}

TEST_CASE("join task: failures of joined tasks", "[unit]") {
  SystemTaskFixture f;
  SECTION("a failed task fails the join with every failure's reason") {
    f.add("a", TaskStatus::kFailed).reason_for_incompletion = "first";
    f.add("b", TaskStatus::kCanceled).reason_for_incompletion = "second";
    Task& join = join_on(f, {"a", "b"});
    CHECK(f.execute(JoinTask{}, join));
    CHECK(join.status == TaskStatus::kFailed);
    CHECK(join.reason_for_incompletion == "first second");
  }
  SECTION("only canceled tasks cancel the join") {
    f.add("a", TaskStatus::kCompleted);
    f.add("b", TaskStatus::kCanceled).reason_for_incompletion = "stopped";
    Task& join = join_on(f, {"a", "b"});
    CHECK(f.execute(JoinTask{}, join));
    CHECK(join.status == TaskStatus::kCanceled);
    CHECK(join.reason_for_incompletion == "stopped");
  }
  SECTION("a permissive failure waits for the other joined tasks") {
    f.add("a", TaskStatus::kFailed, {}, false, true).reason_for_incompletion = "late";
    f.add("b", TaskStatus::kScheduled);
    Task& join = join_on(f, {"a", "b"});
    CHECK_FALSE(f.execute(JoinTask{}, join));
    CHECK(join.status == TaskStatus::kInProgress);
    f.workflow.tasks[1].status = TaskStatus::kCompleted;
    CHECK(f.execute(JoinTask{}, join));
    CHECK(join.status == TaskStatus::kFailed);
    CHECK(join.reason_for_incompletion == "late");
  }
  SECTION("an optional task completed with errors completes the join with errors") {
    f.add("a", TaskStatus::kCompletedWithErrors, {}, true);
    f.add("b", TaskStatus::kCompleted);
    Task& join = join_on(f, {"a", "b"});
    CHECK(f.execute(JoinTask{}, join));
    CHECK(join.status == TaskStatus::kCompletedWithErrors);
    CHECK(join.reason_for_incompletion == "a/id-a-0 completed with errors");
  }
}

TEST_CASE("join task: inside a loop it waits for its own iteration", "[unit]") {
  SystemTaskFixture f;
  f.add("a__1", TaskStatus::kCompleted);
  f.add("a__2", TaskStatus::kInProgress);
  Task& join = join_on(f, {"a"}, 2);
  CHECK_FALSE(f.execute(JoinTask{}, join));
  f.workflow.tasks[1].status = TaskStatus::kCompleted;
  CHECK(f.execute(JoinTask{}, join));
  CHECK(join.status == TaskStatus::kCompleted);
}

TEST_CASE("join task: the queue re-check backs off after 200 evaluations, never below a second", "[unit]") {
  JoinTask join_task;
  Task join;
  auto offset = [&](int polls) {
    join.poll_count = polls;
    return join_task.evaluation_offset_seconds(join, 0);
  };
  CHECK(offset(0) == 1);
  CHECK(offset(200) == 1);
  CHECK(offset(201) == 1);
  CHECK(offset(210) == 6);  // 1.2^10 = 6.19
  CHECK(offset(218) == 26);
  CHECK(offset(219) == 30);
  CHECK(offset(5000) == 30);
  join.workflow_task = WorkflowTask{};
  join.workflow_task.edit().join_mode = JoinMode::kSync;
  CHECK(offset(5000) == 1);
}
