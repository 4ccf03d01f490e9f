#include "counting_storage.hpp"
#include "engine_fixture.hpp"

using namespace conductor;
using Statuses = std::vector<std::string>;

namespace {
const char* kThreeTasks = R"({
  "name": "three", "version": 1, "schemaVersion": 2,
  "tasks": [
    {"name": "t1", "taskReferenceName": "a", "inputParameters": {"x": "${workflow.input.x}"}},
    {"name": "t2", "taskReferenceName": "b", "inputParameters": {"y": "${a.output.y}", "text": "got ${a.output.y}"}},
    {"name": "t3", "taskReferenceName": "c", "inputParameters": {}}
  ],
  "outputParameters": {"final": "${c.output.z}", "first": "${a.output}"}
})";
}

SCENARIO("simple workflow: three SIMPLE tasks run in order and complete", "[scenario]") {
  EngineFixture f;
  for (auto t : {"t1", "t2", "t3"}) f.task_def(fmt::format(R"({{"name": "{}"}})", t));
  f.workflow_def(kThreeTasks);

  GIVEN("a started workflow") {
    auto id = f.start("three", {{"x", 41}});
    auto wf = f.workflow(id);
    REQUIRE(wf.status == WorkflowStatus::kRunning);
    REQUIRE(EngineFixture::statuses(wf) == Statuses{"a:SCHEDULED"});

    WHEN("each task is polled and completed") {
      auto a = f.poll("t1");
      CHECK(a.input_data.at("x") == 41);
      CHECK(a.status == TaskStatus::kInProgress);
      CHECK(a.poll_count == 1);
      CHECK(f.nothing_to_poll("t2"));
      f.complete(a, {{"y", 42}});

      auto b = f.poll("t2");
      CHECK(b.input_data.at("y") == 42);
      CHECK(b.input_data.at("text") == "got 42");
      f.complete(b);
      auto c = f.poll("t3");
      f.complete(c, {{"z", "done"}});

      THEN("the workflow is COMPLETED with its output parameters resolved") {
        wf = f.workflow(id);
        CHECK(wf.status == WorkflowStatus::kCompleted);
        CHECK(EngineFixture::statuses(wf) == Statuses{"a:COMPLETED", "b:COMPLETED", "c:COMPLETED"});
        CHECK(wf.output.at("final") == "done");
        CHECK(wf.output.at("first").as_object().at("y") == 42);
        CHECK(wf.end_time > 0);
        CHECK(wf.tasks[0].seq == 1);
        CHECK(wf.tasks[2].seq == 3);
        AND_THEN("a late update of a finished task changes nothing") {
          auto again = f.report(c, TaskResultStatus::kFailed);
          CHECK(again.status == TaskStatus::kCompleted);
          CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
        }
      }
    }
  }
}

TEST_CASE("simple workflow: without outputParameters the output is the last task's output", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "one", "tasks": [{"name": "solo", "taskReferenceName": "s"}]})");
  auto id = f.start("one");
  f.complete(f.poll("solo"), {{"k", "v"}});
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(wf.output == JsonObject{{"k", "v"}});
}

TEST_CASE("simple workflow: IN_PROGRESS with callbackAfterSeconds hides the task until due", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "slow"})");
  f.workflow_def(R"({"name": "cb", "tasks": [{"name": "slow", "taskReferenceName": "s"}]})");
  auto id = f.start("cb");
  auto t = f.poll("slow");
  TaskResult progress;
  progress.workflow_instance_id = id;
  progress.task_id = t.task_id;
  progress.status = TaskResultStatus::kInProgress;
  progress.callback_after_seconds = 30;
  progress.output_data = {{"percent", 40}};
  auto stored = f.engine.queue().update_task(progress);
  CHECK(stored.status == TaskStatus::kScheduled);
  CHECK(stored.output_data.at("percent") == 40);
  CHECK(f.nothing_to_poll("slow"));
  f.clock->advance_seconds(29);
  CHECK(f.nothing_to_poll("slow"));
  f.clock->advance_seconds(1);
  auto again = f.poll("slow");
  CHECK(again.task_id == t.task_id);
  CHECK(again.poll_count == 2);
  CHECK(again.callback_after_seconds == 0);
  f.complete(again);
  CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("simple workflow: a task's update brings the next sweep forward but never puts it off", "[scenario]") {
  auto sqlite = open_sqlite({});
  Storage& storage = *sqlite;
  EngineFixture f(std::move(sqlite));
  auto next_sweep = [&] {
    auto tx = storage.begin(TransactionMode::kRead);
    return tx->queues().next_visible_at("_deciderQueue").value_or(-1);
  };
  f.task_def(R"({"name": "long", "retryCount": 0, "responseTimeoutSeconds": 600, "timeoutSeconds": 0})");
  f.task_def(R"({"name": "short", "retryCount": 0, "responseTimeoutSeconds": 5, "timeoutSeconds": 0})");
  f.workflow_def(R"({"name": "sweeps", "tasks": [{"name": "long", "taskReferenceName": "a"},
                                                 {"name": "short", "taskReferenceName": "b"}]})");
  const std::int64_t t0 = f.clock->now_ms();
  auto id = f.start("sweeps");
  CHECK(next_sweep() == t0 + 30'000);  // the start times it: a scheduled task is looked at after 30 s
  const Task first = f.poll("long");  // its response timeout is later: left where it is
  CHECK(next_sweep() == t0 + 30'000);
  f.clock->advance_seconds(10);
  f.complete(first);
  CHECK(next_sweep() == t0 + 30'000);  // not put off to 40 s: that sweep comes first and decides nothing
  f.advance(20);
  CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"a:COMPLETED", "b:SCHEDULED"});
  CHECK(next_sweep() == t0 + 60'000);  // the sweep times the next one
  f.poll("short");                     // a response timeout 5 s ahead brings it forward
  CHECK(next_sweep() == t0 + 35'000);
  f.advance(6);
  CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"a:COMPLETED", "b:TIMED_OUT"});
}

TEST_CASE("simple workflow: runs of one definition share it and its nodes, until the definition changes",
          "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "shared", "tasks": [{"name": "first", "taskReferenceName": "a"},
                                                 {"name": "second", "taskReferenceName": "b"}]})");
  const auto one = f.start("shared");
  const auto two = f.start("shared");
  const Workflow a = f.workflow(one);
  const Workflow b = f.workflow(two);
  CHECK(a.workflow_definition.same_as(b.workflow_definition));
  REQUIRE(a.tasks.size() == 1);
  REQUIRE(b.tasks.size() == 1);
  CHECK(a.tasks[0].workflow_task.same_as(b.tasks[0].workflow_task));
  CHECK(a.tasks[0].workflow_task->task_reference_name == "a");

  // Changed under the same version: a run started now runs the new definition, the others their own.
  f.engine.metadata().register_workflow_def(
      decode<WorkflowDef>(R"({"name": "shared", "tasks": [{"name": "first", "taskReferenceName": "a"},
                                                          {"name": "third", "taskReferenceName": "c"}]})"),
      true);
  const auto three = f.start("shared");
  const Workflow c = f.workflow(three);
  CHECK_FALSE(c.workflow_definition.same_as(a.workflow_definition));
  CHECK(c.workflow_definition->tasks.back().name == "third");
  CHECK(f.workflow(one).workflow_definition->tasks.back().name == "second");
  f.complete(f.poll("first"));
  f.complete(f.poll("first"));
  f.complete(f.poll("first"));
  CHECK(EngineFixture::statuses(f.workflow(one)) == Statuses{"a:COMPLETED", "b:SCHEDULED"});
  CHECK(EngineFixture::statuses(f.workflow(two)) == Statuses{"a:COMPLETED", "b:SCHEDULED"});
  CHECK(EngineFixture::statuses(f.workflow(three)) == Statuses{"a:COMPLETED", "c:SCHEDULED"});
}

TEST_CASE("simple workflow: summaries are indexed unless the storage derives them from the rows", "[scenario]") {
  for (const bool summarizes : {false, true}) {
    auto counting = std::make_unique<testing::CountingStorage>(open_sqlite({}), summarizes);
    testing::CountingStorage& storage = *counting;
    EngineFixture f(std::move(counting));
    f.workflow_def(R"({"name": "one", "tasks": [{"name": "only", "taskReferenceName": "a"}]})");
    const auto id = f.start("one");
    f.complete(f.poll("only"));
    REQUIRE(f.workflow(id).status == WorkflowStatus::kCompleted);
    if (summarizes) {
      CHECK(storage.summaries() == 0);
    } else {
      CHECK(storage.summaries() > 0);
    }
  }
}

TEST_CASE("simple workflow: a step leaves alone the queue messages it knows it would not change",
          "[scenario]") {
  auto counting = std::make_unique<testing::CountingStorage>(open_sqlite({}));
  testing::CountingStorage& storage = *counting;
  EngineFixture f(std::move(counting));
  for (auto t : {"t1", "t2", "t3"}) f.task_def(fmt::format(R"({{"name": "{}", "responseTimeoutSeconds": 600}})", t));
  f.workflow_def(kThreeTasks);
  const auto id = f.start("three", {{"x", 1}});
  for (auto t : {"t1", "t2", "t3"}) f.complete(f.poll(t), {{"y", 2}, {"z", 3}});
  REQUIRE(f.workflow(id).status == WorkflowStatus::kCompleted);
  // Each task's message is pushed once, and the decider's once when the workflow starts and removed
  // when it ends. A hand-out takes its task's message, so its completion has none to remove, and
  // the sweep due within the offset already comes before every response timeout and next step.
  CHECK(storage.queue_writes() == 5);
  CHECK(f.engine.queue().queue_size("t1") == 0);
}

TEST_CASE("simple workflow: a sweeper round pops only the queues with a message due", "[scenario]") {
  auto counting = std::make_unique<testing::CountingStorage>(open_sqlite({}));
  testing::CountingStorage& storage = *counting;
  EngineFixture f(std::move(counting));
  for (auto t : {"t1", "t2", "t3"}) f.task_def(fmt::format(R"({{"name": "{}", "responseTimeoutSeconds": 5}})", t));
  f.workflow_def(kThreeTasks);
  const auto id = f.start("three", {{"x", 1}});
  f.poll("t1");
  f.engine.run_due();
  CHECK(storage.pops() == 0);  // the round looked, and found nothing due
  f.advance(6);
  CHECK(storage.pops() == 1);  // the decider queue, for the response timeout
  CHECK(EngineFixture::statuses(f.workflow(id)).front() == "a:TIMED_OUT");
}

TEST_CASE("simple workflow: bad input is rejected and changes nothing", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "one", "tasks": [{"name": "solo", "taskReferenceName": "s"}]})");

  SECTION("unknown definition") {
    CHECK_THROWS_AS(f.start("nope"), NotFoundError);
  }
  SECTION("priority out of range") {
    StartWorkflowRequest r;
    r.name = "one";
    r.priority = 100;
    CHECK_THROWS_AS(f.engine.executor().start_workflow(r), ValidationError);
  }
  SECTION("null input") {
    StartWorkflowRequest r;
    r.name = "one";
    r.input.reset();
    CHECK_THROWS_AS(f.engine.executor().start_workflow(r), ValidationError);
  }
  SECTION("task result without ids or status") {
    CHECK_THROWS_AS(f.engine.queue().update_task(TaskResult{}), ValidationError);
  }
  SECTION("unknown task and workflow ids") {
    TaskResult r;
    r.workflow_instance_id = "w";
    r.task_id = "missing";
    r.status = TaskResultStatus::kCompleted;
    CHECK_THROWS_AS(f.engine.queue().update_task(r), NotFoundError);
    CHECK_THROWS_AS(f.engine.executor().get_workflow("missing"), NotFoundError);
    CHECK_THROWS_AS(f.engine.executor().terminate("missing", "x"), NotFoundError);
  }
  SECTION("an update to a task of a terminated workflow is ignored") {
    auto id = f.start("one");
    auto t = f.poll("solo");
    f.engine.executor().terminate(id, "stop");
    auto after = f.complete(t);
    CHECK(after.status == TaskStatus::kCanceled);
    auto wf = f.workflow(id);
    CHECK(wf.status == WorkflowStatus::kTerminated);
    CHECK(wf.reason_for_incompletion == "stop");
    CHECK_NOTHROW(f.engine.executor().terminate(id, "again"));
    CHECK(f.workflow(id).reason_for_incompletion == "stop");
  }
  SECTION("a COMPLETED workflow cannot be terminated") {
    auto id = f.start("one");
    f.complete(f.poll("solo"));
    CHECK_THROWS_AS(f.engine.executor().terminate(id, "late"), ConflictError);
    CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
  }
}

TEST_CASE("simple workflow: pause holds new tasks until resume", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "two", "tasks": [{"name": "p1", "taskReferenceName": "p1"},
                                              {"name": "p2", "taskReferenceName": "p2"}]})");
  auto id = f.start("two");
  f.engine.executor().pause(id);
  f.complete(f.poll("p1"));
  f.engine.executor().decide(id);
  CHECK(f.nothing_to_poll("p2"));
  CHECK(f.workflow(id).status == WorkflowStatus::kPaused);
  CHECK_THROWS_MATCHES(f.engine.executor().resume(f.start("two")), Error,
                       Catch::Matchers::Predicate<Error>([](const Error& e) { return e.code() == ErrorCode::kConflict; }));
  f.engine.executor().resume(id);
  f.complete(f.poll("p2"));
  CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("simple workflow: listeners see committed transitions", "[scenario]") {
  struct Recorder : StatusListener {
    std::vector<WorkflowEvent> events;
    int tasks = 0;
    void on_workflow(WorkflowEvent e, const Workflow&) override { events.push_back(e); }
    void on_task(const Task&) override { ++tasks; }
  };
  EngineFixture f;
  auto recorder = std::make_shared<Recorder>();
  f.engine.executor().add_listener(recorder);
  f.workflow_def(R"({"name": "l", "workflowStatusListenerEnabled": true,
                     "tasks": [{"name": "lt", "taskReferenceName": "lt"}]})");
  f.start("l");
  f.complete(f.poll("lt"));
  CHECK(recorder->events ==
        std::vector<WorkflowEvent>{WorkflowEvent::kStarted, WorkflowEvent::kCompleted, WorkflowEvent::kFinalized});
  CHECK(recorder->tasks >= 2);
}

TEST_CASE("simple workflow: text that is not UTF-8 is refused and leaves the workflow as it was", "[scenario]") {
  EngineFixture f;
  for (auto t : {"t1", "t2", "t3"}) f.task_def(fmt::format(R"({{"name": "{}"}})", t));
  f.workflow_def(kThreeTasks);
  // Stored rows are JSON text: a host's bytes that are not UTF-8 would make them unreadable.
  StartWorkflowRequest bad_start;
  bad_start.name = "three";
  bad_start.correlation_id = "order-\xFF";
  CHECK_THROWS_AS(f.engine.executor().start_workflow(bad_start), ValidationError);
  CHECK(f.engine.executor().search({.query = "workflowType = three"}).total_hits == 0);

  const std::string id = f.start("three", {{"x", 1}});
  const Task a = f.poll("t1");
  CHECK_THROWS_AS(f.complete(a, {{"y", "caf\xE9"}}), ValidationError);
  const Workflow wf = f.workflow(id);
  CHECK(EngineFixture::statuses(wf) == Statuses{"a:IN_PROGRESS"});
  f.complete(a, {{"y", "caf\xC3\xA9"}});
  CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"a:COMPLETED", "b:SCHEDULED"});
}
