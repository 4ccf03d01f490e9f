#include "system_task_fixture.hpp"
#include "tasks/exclusive_join.hpp"

using namespace conductor;
using conductor::detail::ExclusiveJoinTask;

namespace {

Task& exclusive_join(SystemTaskFixture& f, JsonArray join_on, JsonArray defaults = {}, int iteration = 0) {
  Task& join = f.add("ej", TaskStatus::kInProgress);
  join.task_type = "EXCLUSIVE_JOIN";
  join.iteration = iteration;
  join.input_data = {{"joinOn", std::move(join_on)}, {"defaultExclusiveJoinTask", std::move(defaults)}};
  return join;
}

}  // namespace

TEST_CASE("exclusive join task: the mapper passes joinOn and the default list", "[unit]") {
  SystemTaskFixture f;
  auto node = decode<WorkflowTask>(R"({"name": "ej", "taskReferenceName": "ej", "type": "EXCLUSIVE_JOIN",
                                       "joinOn": ["a", "b"], "defaultExclusiveJoinTask": ["c"]})");
  auto tasks = f.map(ExclusiveJoinTask{}, node);
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].task_type == "EXCLUSIVE_JOIN");
  CHECK(tasks[0].task_def_name == "EXCLUSIVE_JOIN");
  CHECK(tasks[0].status == TaskStatus::kInProgress);
  CHECK(tasks[0].input_data ==
        JsonObject{{"joinOn", JsonArray{"a", "b"}}, {"defaultExclusiveJoinTask", JsonArray{"c"}}});
}

TEST_CASE("exclusive join task: completes with the output of the joined task that ran", "[unit]") {
  SystemTaskFixture f;
  f.add("a", TaskStatus::kSkipped, {{"from", "a"}});
  f.add("b", TaskStatus::kCompleted, {{"from", "b"}});
  Task& join = exclusive_join(f, {"a", "b", "c"});
  CHECK(f.execute(ExclusiveJoinTask{}, join));
  CHECK(join.status == TaskStatus::kCompleted);
  CHECK(join.output_data == JsonObject{{"from", "b"}});
}

TEST_CASE("exclusive join task: waits for the joined task that runs", "[unit]") {
  SystemTaskFixture f;
  f.add("b", TaskStatus::kInProgress);
  Task& join = exclusive_join(f, {"a", "b"});
  CHECK_FALSE(f.execute(ExclusiveJoinTask{}, join));
  CHECK(join.status == TaskStatus::kInProgress);
  f.workflow.tasks[0].status = TaskStatus::kCompleted;
  CHECK(f.execute(ExclusiveJoinTask{}, join));
  CHECK(join.status == TaskStatus::kCompleted);
}

TEST_CASE("exclusive join task: falls back to the default list", "[unit]") {
  SystemTaskFixture f;
  f.add("first", TaskStatus::kCompleted, {{"from", "first"}});
  SECTION("when no joined task ran") {
    Task& join = exclusive_join(f, {"a", "b"}, {"missing", "first"});
    CHECK(f.execute(ExclusiveJoinTask{}, join));
    CHECK(join.output_data == JsonObject{{"from", "first"}});
  }
  SECTION("also while the joined task is still running, as Conductor does") {
    f.add("a", TaskStatus::kInProgress);
    Task& join = exclusive_join(f, {"a"}, {"first"});
    CHECK(f.execute(ExclusiveJoinTask{}, join));
    CHECK(join.output_data == JsonObject{{"from", "first"}});
  }
  SECTION("without a default list nothing is decided") {
    Task& join = exclusive_join(f, {"a"});
    CHECK_FALSE(f.execute(ExclusiveJoinTask{}, join));
  }
}

TEST_CASE("exclusive join task: a failed joined task fails it", "[unit]") {
  SystemTaskFixture f;
  SECTION("at once") {
    f.add("a", TaskStatus::kFailed).reason_for_incompletion = "bad";
    Task& join = exclusive_join(f, {"a"});
    CHECK(f.execute(ExclusiveJoinTask{}, join));
    CHECK(join.status == TaskStatus::kFailed);
    CHECK(join.reason_for_incompletion == "bad ");
  }
  SECTION("a permissive one only when every joined task has ended, else it counts as the one that ran") {
    f.add("a", TaskStatus::kFailed, {{"partial", true}}, false, true).reason_for_incompletion = "bad";
    Task& join = exclusive_join(f, {"a", "b"});
    CHECK(f.execute(ExclusiveJoinTask{}, join));
    CHECK(join.status == TaskStatus::kCompleted);
    CHECK(join.output_data == JsonObject{{"partial", true}});

    f.add("b", TaskStatus::kCompleted);
    join.status = TaskStatus::kInProgress;
    CHECK(f.execute(ExclusiveJoinTask{}, join));
    CHECK(join.status == TaskStatus::kFailed);
  }
}

TEST_CASE("exclusive join task: inside a loop joinOn refers to the current iteration", "[unit]") {
  SystemTaskFixture f;
  f.add("a__1", TaskStatus::kCompleted, {{"n", 1}});
  f.add("a__2", TaskStatus::kCompleted, {{"n", 2}});
  Task& join = exclusive_join(f, {"a"}, {}, 2);
  CHECK(f.execute(ExclusiveJoinTask{}, join));
  CHECK(join.output_data == JsonObject{{"n", 2}});
}
