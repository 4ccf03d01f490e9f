#include "task_fixture.hpp"

#include <boost/json/parse.hpp>

using namespace conductor;
using namespace conductor::detail;

namespace {

using Refs = std::vector<std::string>;

// A loop `loop` with these extra fields over the body [a, b].
std::string definition(const std::string& fields) {
  return fmt::format(R"({{"name": "wf", "tasks": [{{"name": "loop", "taskReferenceName": "loop", "type": "DO_WHILE",
      {}, "loopOver": [{{"name": "a", "taskReferenceName": "a"}}, {{"name": "b", "taskReferenceName": "b"}}]}}]}})",
                     fields);
}

// Marks the newest task of `ref` as finished by its worker.
void finish(TaskFixture& f, const std::string& ref, TaskStatus status = TaskStatus::kCompleted, JsonObject output = {},
            std::string reason = {}) {
  auto& t = f.task(ref);
  t.status = status;
  t.output_data = std::move(output);
  if (!reason.empty()) t.reason_for_incompletion = reason;
}

// A body task of the current iteration as the decider would schedule it after `ref`'s predecessor.
void schedule_body(TaskFixture& f, const std::string& ref, int iteration) {
  auto tasks = f.map(ref);
  REQUIRE(tasks.size() == 1);
  tasks[0].reference_task_name = fmt::format("{}__{}", ref, iteration);
  tasks[0].iteration = iteration;
  f.add(std::move(tasks));
}

// Runs iteration `iteration` of the body to the end with these outputs of b.
void run_iteration(TaskFixture& f, int iteration, JsonObject b_output = {}) {
  finish(f, fmt::format("a__{}", iteration));
  schedule_body(f, "b", iteration);
  finish(f, fmt::format("b__{}", iteration), TaskStatus::kCompleted, std::move(b_output));
}

}  // namespace

TEST_CASE("do_while task: the mapper creates only the loop task", "[unit]") {
  TaskFixture f(R"({"name": "wf", "tasks": [{"name": "loop", "taskReferenceName": "loop", "type": "DO_WHILE",
      "loopCondition": "false", "inputParameters": {"id": "${CPEWF_TASK_ID}", "n": "${workflow.input.n}"},
      "taskDefinition": {"name": "loop", "rateLimitPerFrequency": 3, "rateLimitFrequencyInSeconds": 9},
      "loopOver": [{"name": "a", "taskReferenceName": "a"}]}]})",
                {{"n", 4}});
  auto tasks = f.map("loop");
  REQUIRE(tasks.size() == 1);
  const auto& loop = tasks[0];
  CHECK(loop.task_type == "DO_WHILE");
  CHECK(loop.task_def_name == "loop");
  CHECK(loop.status == TaskStatus::kInProgress);
  CHECK(loop.start_time == 1000);
  CHECK(loop.iteration == 0);
  CHECK(loop.input_data.at("id") == Json(loop.task_id));
  CHECK(loop.input_data.at("n") == 4);
  CHECK(loop.rate_limit_per_frequency == 3);
  CHECK(loop.rate_limit_frequency_in_seconds == 9);

  SECTION("a finished loop task is not mapped again") {
    f.add(std::move(tasks));
    f.task("loop").status = TaskStatus::kCompleted;
    CHECK(f.map("loop").empty());
  }
}

TEST_CASE("do_while task: each iteration's body runs under suffixed names until the condition says stop", "[unit]") {
  TaskFixture f(definition(R"("inputParameters": {"limit": "${workflow.input.limit}"},
                              "loopCondition": "$.loop['iteration'] < $.limit")"),
                {{"limit", 2}});
  f.add(f.map("loop"));

  // The first execute starts iteration 1 with the body's first node.
  CHECK(f.execute("loop"));
  CHECK(f.refs() == Refs{"loop", "a__1"});
  CHECK(f.task("loop").iteration == 1);
  CHECK(f.task("loop").output_data.at("iteration") == 1);
  CHECK(f.task("a__1").iteration == 1);
  CHECK(f.task("a__1").status == TaskStatus::kScheduled);

  // Unfinished work waits; the outputs so far are recorded under the iteration.
  finish(f, "a__1", TaskStatus::kCompleted, {{"x", 1}});
  CHECK_FALSE(f.execute("loop"));
  CHECK(f.task("loop").output_data.at("1") == boost::json::parse(R"({"a": {"x": 1}})"));
  CHECK(f.task("loop").status == TaskStatus::kInProgress);

  schedule_body(f, "b", 1);
  CHECK_FALSE(f.execute("loop"));
  finish(f, "b__1", TaskStatus::kCompleted, {{"y", 2}});
  CHECK(f.execute("loop"));
  CHECK(f.refs() == Refs{"loop", "a__1", "b__1", "a__2"});
  CHECK(f.task("loop").iteration == 2);
  CHECK(f.task("loop").output_data.at("1") == boost::json::parse(R"({"a": {"x": 1}, "b": {"y": 2}})"));

  run_iteration(f, 2);
  CHECK(f.execute("loop"));
  CHECK(f.task("loop").status == TaskStatus::kCompleted);
  CHECK(f.task("loop").output_data.at("iteration") == 2);
  CHECK(f.refs() == Refs{"loop", "a__1", "b__1", "a__2", "b__2"});
}

TEST_CASE("do_while task: an iteration is finished only once a finished task's successor exists", "[unit]") {
  TaskFixture f(definition(R"("loopCondition": "true")"));
  f.add(f.map("loop"));
  f.execute("loop");
  finish(f, "a__1");
  // a__1 is done but b__1 was never scheduled: the body is not through yet.
  CHECK_FALSE(f.execute("loop"));
  CHECK(f.task("loop").iteration == 1);
}

TEST_CASE("do_while task: the condition sees the resolved inputs, the loop output and body outputs", "[unit]") {
  TaskFixture f(definition(R"("inputParameters": {"want": "${workflow.input.want}"},
                              "loopCondition": "$.b.found != $.want && $.a.seen == 'a' && $.loop['1'] != null")"),
                {{"want", "gold"}});
  f.add(f.map("loop"));
  f.execute("loop");
  finish(f, "a__1", TaskStatus::kCompleted, {{"seen", "a"}});
  schedule_body(f, "b", 1);
  finish(f, "b__1", TaskStatus::kCompleted, {{"found", "iron"}});
  CHECK(f.execute("loop"));
  CHECK(f.task("loop").iteration == 2);
  finish(f, "a__2", TaskStatus::kCompleted, {{"seen", "a"}});
  schedule_body(f, "b", 2);
  finish(f, "b__2", TaskStatus::kCompleted, {{"found", "gold"}});
  CHECK(f.execute("loop"));
  CHECK(f.task("loop").status == TaskStatus::kCompleted);
}

TEST_CASE("do_while task: a condition that throws is a terminal failure", "[unit]") {
  TaskFixture f(definition(R"("loopCondition": "$.b.missing.deeper")"));
  f.add(f.map("loop"));
  f.execute("loop");
  run_iteration(f, 1);
  CHECK(f.execute("loop"));
  const auto& loop = f.task("loop");
  CHECK(loop.status == TaskStatus::kFailedWithTerminalError);
  CHECK_THAT(*loop.reason_for_incompletion,
             Catch::StartsWith("Unable to evaluate condition $.b.missing.deeper, exception Error evaluating the "
                               "script `"));
}

TEST_CASE("do_while task: a failed body task fails the loop with its reason", "[unit]") {
  TaskFixture f(definition(R"("loopCondition": "true")"));
  f.add(f.map("loop"));
  f.execute("loop");
  finish(f, "a__1", TaskStatus::kFailed, {{"partial", true}}, "worker gave up");
  CHECK(f.execute("loop"));
  CHECK(f.task("loop").status == TaskStatus::kFailed);
  CHECK(f.task("loop").reason_for_incompletion == "worker gave up ");
  CHECK(f.task("loop").output_data.at("1") == boost::json::parse(R"({"a": {"partial": true}})"));
}

TEST_CASE("do_while task: the newest attempt of a body task is the one that counts", "[unit]") {
  TaskFixture f(definition(R"("loopCondition": "false")"));
  f.add(f.map("loop"));
  f.execute("loop");
  finish(f, "a__1", TaskStatus::kFailed, {}, "first try");
  f.task("a__1").retried = true;
  Task retry = f.task("a__1");
  retry.task_id = "retry-of-a";
  retry.retry_count = 1;
  retry.retried = false;
  retry.status = TaskStatus::kCompleted;
  f.add({retry});
  schedule_body(f, "b", 1);
  finish(f, "b__1");
  CHECK(f.execute("loop"));
  CHECK(f.task("loop").status == TaskStatus::kCompleted);
}

TEST_CASE("do_while task: list mode runs once per item", "[unit]") {
  SECTION("items from the node's items expression") {
    TaskFixture f(definition(R"("items": "${workflow.input.list}", "loopCondition": "true")"),
                  {{"list", boost::json::parse(R"(["x", "y"])")}});
    f.add(f.map("loop"));
    f.execute("loop");
    CHECK(f.task("loop").output_data.at("loopIndex") == 0);
    CHECK(f.task("loop").output_data.at("loopItem") == "x");
    run_iteration(f, 1);
    CHECK(f.execute("loop"));
    CHECK(f.task("loop").output_data.at("loopIndex") == 1);
    CHECK(f.task("loop").output_data.at("loopItem") == "y");
    run_iteration(f, 2);
    CHECK(f.execute("loop"));
    CHECK(f.task("loop").status == TaskStatus::kCompleted);
  }
  SECTION("items from the _items input parameter, with a condition that may stop early") {
    TaskFixture f(definition(R"("inputParameters": {"_items": [1, 2, 3]}, "loopCondition": "$.loopItem < 2")"));
    f.add(f.map("loop"));
    f.execute("loop");
    run_iteration(f, 1);
    CHECK(f.execute("loop"));
    CHECK(f.task("loop").iteration == 2);
    run_iteration(f, 2);
    CHECK(f.execute("loop"));
    CHECK(f.task("loop").status == TaskStatus::kCompleted);
  }
  SECTION("no items at all completes at once") {
    TaskFixture f(definition(R"("items": "${workflow.input.none}", "loopCondition": "true")"));
    f.add(f.map("loop"));
    CHECK(f.execute("loop"));
    CHECK(f.task("loop").status == TaskStatus::kCompleted);
    CHECK(f.task("loop").output_data == JsonObject{{"iteration", 0}});
    CHECK(f.refs() == Refs{"loop"});
  }
}

TEST_CASE("do_while task: keepLastN forgets older iterations' outputs and tasks", "[unit]") {
  TaskFixture f(definition(R"("inputParameters": {"keepLastN": 1}, "loopCondition": "true")"));
  f.add(f.map("loop"));
  f.execute("loop");
  run_iteration(f, 1);
  f.execute("loop");
  CHECK(f.refs() == Refs{"loop", "a__2"});
  CHECK_FALSE(f.task("loop").output_data.contains("1"));
  CHECK(f.task("loop").output_data.at("iteration") == 2);
  // Gone from storage too.
  auto stored = f.core.storage().begin(TransactionMode::kRead)->execution().tasks_of("wf-1");
  CHECK(stored.size() == 2);
}

TEST_CASE("do_while task: cancel marks the loop CANCELED", "[unit]") {
  TaskFixture f(definition(R"("loopCondition": "true")"));
  f.add(f.map("loop"));
  run_change(f.core, {}, [&](Change& s) {
    ChangeEffects effects(f.core.ops(), s);
    SystemTaskContext context{f.workflow, s.now(), effects};
    f.core.registry().find_system("DO_WHILE")->cancel(f.task("loop"), context);
  });
  CHECK(f.task("loop").status == TaskStatus::kCanceled);
}
