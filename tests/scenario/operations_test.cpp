// Workflow operations (semantics.md §6): restart, retry, rerun, skip task, reset callbacks, remove,
// terminate-remove, with Conductor's task lists and rejections.
#include "engine_fixture.hpp"

using namespace conductor;
using Catch::Matchers::Message;
using Statuses = std::vector<std::string>;

namespace {

struct Recorder : StatusListener {
  std::vector<std::pair<WorkflowEvent, std::string>> events;
  void on_workflow(WorkflowEvent e, const Workflow& wf) override { events.emplace_back(e, wf.workflow_id); }
  bool saw(WorkflowEvent e, const std::string& id) const {
    return std::find(events.begin(), events.end(), std::pair{e, id}) != events.end();
  }
};

// Conductor's IllegalStateException: a ConflictError with this message.
Catch::Matchers::Generic::PredicateMatcher<Error> state_conflict(const std::string& message) {
  return Catch::Matchers::Predicate<Error>(
      [message](const Error& e) { return e.code() == ErrorCode::kConflict && e.what() == message; },
      "kConflict: " + message);
}

// Worker task definitions that fail for good on the first failure.
void no_retries(EngineFixture& f, std::initializer_list<const char*> names) {
  for (const char* name : names) f.task_def(fmt::format(R"({{"name": "{}", "retryCount": 0}})", name));
}

// Three worker tasks a → b → c without retries, refs t1 t2 t3; t3 echoes t2's output.
void three_tasks(EngineFixture& f, const std::string& extra = "") {
  no_retries(f, {"a", "b", "c"});
  f.workflow_def(R"({"name": "three", "workflowStatusListenerEnabled": true, )" + extra + R"(
                     "tasks": [{"name": "a", "taskReferenceName": "t1", "inputParameters": {"x": "${workflow.input.x}"}},
                               {"name": "b", "taskReferenceName": "t2"},
                               {"name": "c", "taskReferenceName": "t3", "inputParameters": {"from2": "${t2.output.v}"}}]})");
}

void complete_all(EngineFixture& f) {
  f.complete(f.poll("a"));
  f.complete(f.poll("b"), {{"v", 2}});
  f.complete(f.poll("c"));
}

}  // namespace

TEST_CASE("restart: an ended workflow starts over under the same id", "[scenario]") {
  EngineFixture f;
  auto recorder = std::make_shared<Recorder>();
  f.engine.executor().add_listener(recorder);
  three_tasks(f);
  auto id = f.start("three", {{"x", 1}});
  complete_all(f);
  REQUIRE(f.workflow(id).status == WorkflowStatus::kCompleted);

  f.clock->advance_seconds(50);
  f.engine.executor().restart(id);
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kRunning);
  CHECK(EngineFixture::statuses(wf) == Statuses{"t1:SCHEDULED"});
  CHECK(wf.tasks[0].seq == 1);
  CHECK(wf.create_time == f.clock->now_ms());
  CHECK(wf.end_time == 0);
  CHECK(wf.last_retried_time == 0);
  CHECK(wf.output.empty());
  CHECK(wf.input.at("x") == 1);
  CHECK(recorder->saw(WorkflowEvent::kRestarted, id));

  complete_all(f);
  CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("restart: with latest definitions picks up a task added in version 2", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "grow", "version": 1, "tasks": [{"name": "a", "taskReferenceName": "t1"},
                                                            {"name": "b", "taskReferenceName": "t2"}]})");
  auto id = f.start("grow");
  f.complete(f.poll("a"));
  f.complete(f.poll("b"));
  f.workflow_def(R"({"name": "grow", "version": 2, "tasks": [{"name": "a", "taskReferenceName": "t1"},
                                                            {"name": "b", "taskReferenceName": "t2"},
                                                            {"name": "c", "taskReferenceName": "t3"}]})");
  SECTION("the stored definition by default") {
    f.engine.executor().restart(id);
    f.complete(f.poll("a"));
    f.complete(f.poll("b"));
    auto wf = f.workflow(id);
    CHECK(wf.workflow_version() == 1);
    CHECK(EngineFixture::statuses(wf) == Statuses{"t1:COMPLETED", "t2:COMPLETED"});
    CHECK(wf.status == WorkflowStatus::kCompleted);
  }
  SECTION("the latest registered version on request") {
    f.engine.executor().restart(id, true);
    f.complete(f.poll("a"));
    f.complete(f.poll("b"));
    f.complete(f.poll("c"));
    auto wf = f.workflow(id);
    CHECK(wf.workflow_version() == 2);
    CHECK(EngineFixture::statuses(wf) == Statuses{"t1:COMPLETED", "t2:COMPLETED", "t3:COMPLETED"});
    CHECK(wf.status == WorkflowStatus::kCompleted);
  }
  SECTION("no latest definition left") {
    f.engine.metadata().remove_workflow_def("grow", 1);
    f.engine.metadata().remove_workflow_def("grow", 2);
    CHECK_THROWS_MATCHES(f.engine.executor().restart(id, true), NotFoundError,
                         Message("Unable to find latest definition for " + id));
    CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
  }
}

TEST_CASE("restart: rejections", "[scenario]") {
  EngineFixture f;
  no_retries(f, {"a"});
  f.workflow_def(R"({"name": "once", "restartable": false, "tasks": [{"name": "a", "taskReferenceName": "t1"}]})");
  auto id = f.start("once");
  CHECK_THROWS_MATCHES(f.engine.executor().restart(id), ConflictError,
                       Message("Workflow: once.1/" + id + ".RUNNING is not in terminal state, unable to restart."));
  CHECK_THROWS_MATCHES(f.engine.executor().restart("nope"), NotFoundError,
                       Message("No such workflow found by id: nope"));
  SECTION("a COMPLETED workflow whose definition is not restartable") {
    f.complete(f.poll("a"));
    CHECK_THROWS_MATCHES(f.engine.executor().restart(id), NotFoundError,
                         Message("Workflow: once.1/" + id + ".COMPLETED is non-restartable"));
  }
  SECTION("a non-restartable definition still restarts after a failure") {
    f.report(f.poll("a"), TaskResultStatus::kFailed);
    REQUIRE(f.workflow(id).status == WorkflowStatus::kFailed);
    f.engine.executor().restart(id);
    CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"t1:SCHEDULED"});
  }
}

TEST_CASE("restart: the workflow timeout counts from the restart", "[scenario]") {
  EngineFixture f;
  no_retries(f, {"a"});
  f.workflow_def(R"({"name": "timed", "timeoutSeconds": 10, "timeoutPolicy": "TIME_OUT_WF",
                     "tasks": [{"name": "a", "taskReferenceName": "t1"}]})");
  auto id = f.start("timed");
  f.report(f.poll("a"), TaskResultStatus::kFailed);
  f.clock->advance_seconds(100);
  f.engine.executor().restart(id);
  f.advance(9);
  CHECK(f.workflow(id).status == WorkflowStatus::kRunning);
  f.advance(2);
  CHECK(f.workflow(id).status == WorkflowStatus::kTimedOut);
}

TEST_CASE("retry: a new attempt of the failed task after its retries ran out", "[scenario]") {
  EngineFixture f;
  auto recorder = std::make_shared<Recorder>();
  f.engine.executor().add_listener(recorder);
  three_tasks(f);
  f.task_def(R"({"name": "a", "retryCount": 1, "retryDelaySeconds": 0})");
  auto id = f.start("three", {{"x", 1}});
  f.report(f.poll("a"), TaskResultStatus::kFailed, {}, "first");
  f.report(f.poll("a"), TaskResultStatus::kFailed, {}, "second");
  auto failed = f.workflow(id);
  REQUIRE(failed.status == WorkflowStatus::kFailed);
  REQUIRE(EngineFixture::statuses(failed) == Statuses{"t1:FAILED", "t1:FAILED"});

  f.clock->advance_seconds(20);
  f.engine.executor().retry(id);
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kRunning);
  CHECK(EngineFixture::statuses(wf) == Statuses{"t1:FAILED", "t1:FAILED", "t1:SCHEDULED"});
  const Task& attempt = wf.tasks[2];
  CHECK(attempt.task_id != failed.tasks[1].task_id);
  CHECK(attempt.retried_task_id == failed.tasks[1].task_id);
  CHECK(attempt.retry_count == 2);
  CHECK(attempt.seq == 3);
  CHECK(attempt.poll_count == 0);
  CHECK(attempt.callback_after_seconds == 0);
  CHECK(!attempt.reason_for_incompletion);
  CHECK(attempt.input_data.at("x") == 1);
  CHECK(wf.tasks[1].retried);
  CHECK(wf.last_retried_time == f.clock->now_ms());
  CHECK(!wf.reason_for_incompletion);
  CHECK(recorder->saw(WorkflowEvent::kRetried, id));

  complete_all(f);
  wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(wf.failed_reference_task_names == std::vector<std::string>{"t1"});
}

TEST_CASE("retry: only refs whose latest attempt failed are retried", "[scenario]") {
  EngineFixture f;
  three_tasks(f);
  f.task_def(R"({"name": "a", "retryCount": 1, "retryDelaySeconds": 0})");
  auto id = f.start("three");
  f.report(f.poll("a"), TaskResultStatus::kFailed);
  f.complete(f.poll("a"));
  f.report(f.poll("b"), TaskResultStatus::kFailed);
  REQUIRE(f.workflow(id).status == WorkflowStatus::kFailed);
  f.engine.executor().retry(id);
  CHECK(EngineFixture::statuses(f.workflow(id)) ==
        Statuses{"t1:FAILED", "t1:COMPLETED", "t2:FAILED", "t2:SCHEDULED"});
}

TEST_CASE("retry: canceled tasks of a terminated workflow run again", "[scenario]") {
  EngineFixture f;
  three_tasks(f);
  auto id = f.start("three");
  f.engine.executor().terminate(id, "stop");
  f.engine.executor().retry(id);
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kRunning);
  CHECK(EngineFixture::statuses(wf) == Statuses{"t1:CANCELED", "t1:SCHEDULED"});
  CHECK(f.poll("a").task_id == wf.tasks[1].task_id);
}

TEST_CASE("retry: a workflow timed out by its own clock", "[scenario]") {
  EngineFixture f;
  three_tasks(f, R"("timeoutSeconds": 10, "timeoutPolicy": "TIME_OUT_WF",)");
  auto id = f.start("three");
  SECTION("while a task ran: that task is retried and the clock restarts at the retry") {
    f.poll("a");
    f.advance(11);
    REQUIRE(f.workflow(id).status == WorkflowStatus::kTimedOut);
    f.engine.executor().retry(id);
    auto wf = f.workflow(id);
    CHECK(wf.last_retried_time == f.clock->now_ms());
    CHECK(EngineFixture::statuses(wf) == Statuses{"t1:CANCELED", "t1:SCHEDULED"});
    f.advance(9);
    CHECK(f.workflow(id).status == WorkflowStatus::kRunning);
    f.advance(2);
    CHECK(f.workflow(id).status == WorkflowStatus::kTimedOut);
  }
  SECTION("after a task completed: nothing failed, the workflow continues where it stopped") {
    auto t1 = f.poll("a");
    f.clock->advance_seconds(11);
    f.complete(t1);
    REQUIRE(f.workflow(id).status == WorkflowStatus::kTimedOut);
    REQUIRE(EngineFixture::statuses(f.workflow(id)) == Statuses{"t1:COMPLETED"});
    f.engine.executor().retry(id);
    auto wf = f.workflow(id);
    CHECK(wf.status == WorkflowStatus::kRunning);
    CHECK(wf.last_retried_time != 0);
    CHECK(EngineFixture::statuses(wf) == Statuses{"t1:COMPLETED", "t2:SCHEDULED"});
  }
  SECTION("resuming sub-workflow tasks with nothing failed does nothing") {
    auto t1 = f.poll("a");
    f.clock->advance_seconds(11);
    f.complete(t1);
    f.engine.executor().retry(id, true);
    CHECK(f.workflow(id).status == WorkflowStatus::kTimedOut);
  }
}

TEST_CASE("retry: with resumeSubworkflowTasks and no sub-workflow, the workflow itself is retried",
          "[scenario]") {
  EngineFixture f;
  three_tasks(f);
  auto id = f.start("three");
  f.report(f.poll("a"), TaskResultStatus::kFailed);
  f.engine.executor().retry(id, true);
  CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"t1:FAILED", "t1:SCHEDULED"});
}

// fork: [rt1 → rt3] and [rt2], joined on rt3 and rt2, then `after`; `rt2_fields` goes into the rt2 node.
void fork_workflow(EngineFixture& f, const std::string& rt2_fields = "") {
  no_retries(f, {"rt1", "rt2", "rt3", "after"});
  f.workflow_def(R"({"name": "forked", "tasks": [
      {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN",
       "forkTasks": [[{"name": "rt1", "taskReferenceName": "rt1"}, {"name": "rt3", "taskReferenceName": "rt3"}],
                     [{"name": "rt2", "taskReferenceName": "rt2")" + rt2_fields + R"(}]]},
      {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["rt3", "rt2"]},
      {"name": "after", "taskReferenceName": "after"}]})");
}

TEST_CASE("retry: a failed fork branch runs again and the canceled JOIN waits again in place", "[scenario]") {
  EngineFixture f;
  fork_workflow(f);
  auto id = f.start("forked");
  f.complete(f.poll("rt1"));
  f.report(f.poll("rt2"), TaskResultStatus::kFailed);
  auto failed = f.workflow(id);
  REQUIRE(failed.status == WorkflowStatus::kFailed);
  REQUIRE(EngineFixture::statuses(failed) ==
          Statuses{"fork:COMPLETED", "rt1:COMPLETED", "rt2:FAILED", "join:CANCELED", "rt3:CANCELED"});

  f.engine.executor().retry(id);
  auto wf = f.workflow(id);
  CHECK(EngineFixture::statuses(wf) == Statuses{"fork:COMPLETED", "rt1:COMPLETED", "rt2:FAILED", "join:IN_PROGRESS",
                                                "rt3:CANCELED", "rt2:SCHEDULED", "rt3:SCHEDULED"});
  CHECK(wf.tasks[3].task_id == failed.tasks[3].task_id);
  f.complete(f.poll("rt2"));
  f.complete(f.poll("rt3"));
  f.complete(f.poll("after"));
  CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("retry: a JOIN failed by a permissive branch waits again while the branch is retried", "[scenario]") {
  EngineFixture f;
  fork_workflow(f, R"(, "permissive": true)");
  auto id = f.start("forked");
  f.report(f.poll("rt2"), TaskResultStatus::kFailed);
  f.complete(f.poll("rt1"));
  f.complete(f.poll("rt3"));
  REQUIRE(f.workflow(id).status == WorkflowStatus::kFailed);
  REQUIRE(EngineFixture::statuses(f.workflow(id)) ==
          Statuses{"fork:COMPLETED", "rt1:COMPLETED", "rt2:FAILED", "join:FAILED", "rt3:COMPLETED"});

  f.engine.executor().retry(id);
  CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"fork:COMPLETED", "rt1:COMPLETED", "rt2:FAILED",
                                                            "join:IN_PROGRESS", "rt3:COMPLETED", "rt2:SCHEDULED"});
  f.complete(f.poll("rt2"));
  f.complete(f.poll("after"));
  CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("rerun: from a task, the other failed and canceled tasks run again in place", "[scenario]") {
  EngineFixture f;
  fork_workflow(f);
  auto id = f.start("forked");
  f.complete(f.poll("rt1"));
  f.report(f.poll("rt2"), TaskResultStatus::kFailed, {}, "boom");
  auto failed = f.workflow(id);
  REQUIRE(EngineFixture::statuses(failed) ==
          Statuses{"fork:COMPLETED", "rt1:COMPLETED", "rt2:FAILED", "join:CANCELED", "rt3:CANCELED"});
  REQUIRE(failed.tasks[2].reason_for_incompletion == "boom");

  RerunWorkflowRequest request;
  request.re_run_from_task_id = failed.tasks[4].task_id;
  f.engine.executor().rerun(id, request);
  auto wf = f.workflow(id);
  CHECK(EngineFixture::statuses(wf) ==
        Statuses{"fork:COMPLETED", "rt1:COMPLETED", "rt2:SCHEDULED", "join:IN_PROGRESS", "rt3:SCHEDULED"});
  CHECK(wf.tasks[2].task_id == failed.tasks[2].task_id);
  CHECK(!wf.tasks[2].reason_for_incompletion);
  f.complete(f.poll("rt2"));
  f.complete(f.poll("rt3"));
  f.complete(f.poll("after"));
  CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("rerun: from a dynamic fork maps it again from the current input", "[scenario]") {
  EngineFixture f;
  no_retries(f, {"work", "after"});
  f.workflow_def(R"({"name": "fan", "tasks": [
      {"name": "fanout", "taskReferenceName": "fanout", "type": "FORK_JOIN_DYNAMIC",
       "inputParameters": {"forkTaskName": "work", "forkTaskInputs": "${workflow.input.items}"}},
      {"name": "fanout_join", "taskReferenceName": "fanout_join", "type": "JOIN"},
      {"name": "after", "taskReferenceName": "after"}]})");
  auto id = f.start("fan", {{"items", JsonArray{JsonObject{{"x", 1}}, JsonObject{{"x", 2}}}}});
  f.report(f.poll("work"), TaskResultStatus::kFailed);
  auto failed = f.workflow(id);
  REQUIRE(EngineFixture::statuses(failed) ==
          Statuses{"fanout:COMPLETED", "_work_0:FAILED", "_work_1:CANCELED", "fanout_join:CANCELED"});

  RerunWorkflowRequest request;
  request.re_run_from_task_id = failed.tasks[0].task_id;
  SECTION("new items fork new tasks") {
    request.workflow_input =
        JsonObject{{"items", JsonArray{JsonObject{{"x", 7}}, JsonObject{{"x", 8}}, JsonObject{{"x", 9}}}}};
    f.engine.executor().rerun(id, request);
    auto wf = f.workflow(id);
    CHECK(EngineFixture::statuses(wf) == Statuses{"fanout:COMPLETED", "_work_0:SCHEDULED", "_work_1:SCHEDULED",
                                                  "_work_2:SCHEDULED", "fanout_join:IN_PROGRESS"});
    CHECK(wf.tasks[0].task_id != failed.tasks[0].task_id);
    for (int x : {7, 8, 9}) {
      auto work = f.poll("work");
      CHECK(work.input_data.at("x") == x);
      f.complete(work);
    }
    f.complete(f.poll("after"));
    CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
  }
  SECTION("input that cannot be forked fails the workflow again") {
    request.workflow_input = JsonObject{{"items", 5}};
    f.engine.executor().rerun(id, request);
    auto wf = f.workflow(id);
    CHECK(wf.status == WorkflowStatus::kFailed);
    CHECK(wf.reason_for_incompletion->starts_with("Dynamic tasks could not be created."));
    CHECK(wf.tasks.empty());
  }
}

TEST_CASE("retry: rejections", "[scenario]") {
  auto storage = open_sqlite({});
  Storage& raw = *storage;
  EngineFixture f(std::move(storage));
  three_tasks(f);
  auto id = f.start("three");
  CHECK_THROWS_MATCHES(f.engine.executor().retry(id), NotFoundError,
                       Message("Workflow is still running.  status=RUNNING"));
  CHECK_THROWS_MATCHES(f.engine.executor().retry("nope"), NotFoundError,
                       Message("No such workflow found by id: nope"));
  SECTION("nothing failed") {
    complete_all(f);
    CHECK_THROWS_MATCHES(
        f.engine.executor().retry(id), ConflictError,
        Message("There are no retryable tasks! Use restart if you want to attempt entire workflow execution again."));
  }
  SECTION("no tasks") {
    f.engine.executor().terminate(id, "stop");
    auto tx = raw.begin(TransactionMode::kWrite);
    for (const auto& t : tx->execution().tasks_of(id)) tx->execution().remove_task(t.task_id);
    tx->commit();
    CHECK_THROWS_MATCHES(f.engine.executor().retry(id), ConflictError, Message("Workflow has not started yet"));
  }
}

TEST_CASE("rerun: from a task id, in place, with new task input", "[scenario]") {
  EngineFixture f;
  auto recorder = std::make_shared<Recorder>();
  f.engine.executor().add_listener(recorder);
  three_tasks(f);
  auto id = f.start("three", {{"x", 1}});
  complete_all(f);
  auto done = f.workflow(id);

  f.clock->advance_seconds(30);
  RerunWorkflowRequest request;
  request.re_run_from_workflow_id = "ignored";
  request.re_run_from_task_id = done.tasks[1].task_id;
  request.task_input = JsonObject{{"again", true}};
  f.engine.executor().rerun(id, request);
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kRunning);
  CHECK(EngineFixture::statuses(wf) == Statuses{"t1:COMPLETED", "t2:SCHEDULED"});
  CHECK(wf.tasks[0].task_id == done.tasks[0].task_id);
  CHECK(wf.tasks[1].task_id == done.tasks[1].task_id);
  CHECK(wf.tasks[1].input_data == JsonObject{{"again", true}});
  CHECK(wf.tasks[1].scheduled_time == f.clock->now_ms());
  CHECK(wf.tasks[1].output_data.empty());
  CHECK(wf.create_time == done.create_time);
  CHECK(recorder->saw(WorkflowEvent::kRetried, id));  // Conductor's event for a rerun from a task
  CHECK(!recorder->saw(WorkflowEvent::kRerun, id));

  auto t2 = f.poll("b");
  CHECK(t2.task_id == done.tasks[1].task_id);
  CHECK(t2.input_data.at("again") == true);
  f.complete(t2, {{"v", 5}});
  CHECK(f.poll("c").input_data.at("from2") == 5);
}

TEST_CASE("rerun: from the first task drops every later task", "[scenario]") {
  EngineFixture f;
  three_tasks(f);
  auto id = f.start("three");
  f.complete(f.poll("a"));
  f.report(f.poll("b"), TaskResultStatus::kFailed, {}, "broken");
  auto failed = f.workflow(id);
  REQUIRE(failed.status == WorkflowStatus::kFailed);

  RerunWorkflowRequest request;
  request.re_run_from_task_id = failed.tasks[0].task_id;
  f.engine.executor().rerun(id, request);
  auto wf = f.workflow(id);
  CHECK(EngineFixture::statuses(wf) == Statuses{"t1:SCHEDULED"});
  CHECK(!wf.reason_for_incompletion);
  CHECK(wf.failed_reference_task_names.empty());
  CHECK(f.nothing_to_poll("b"));
  complete_all(f);
  CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("rerun: the whole workflow with new input and correlation id", "[scenario]") {
  EngineFixture f;
  auto recorder = std::make_shared<Recorder>();
  f.engine.executor().add_listener(recorder);
  three_tasks(f);
  auto id = f.start("three", {{"x", 1}});
  f.complete(f.poll("a"));
  f.report(f.poll("b"), TaskResultStatus::kFailed, {}, "broken");
  auto failed = f.workflow(id);

  RerunWorkflowRequest request;
  request.workflow_input = JsonObject{{"x", 2}};
  request.correlation_id = "again";
  f.engine.executor().rerun(id, request);
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kRunning);
  CHECK(EngineFixture::statuses(wf) == Statuses{"t1:SCHEDULED"});
  CHECK(wf.tasks[0].task_id != failed.tasks[0].task_id);
  CHECK(wf.tasks[0].input_data.at("x") == 2);
  CHECK(wf.correlation_id == "again");
  CHECK(!wf.reason_for_incompletion);
  CHECK(!wf.failed_task_id);
  CHECK(wf.failed_reference_task_names.empty());
  CHECK(wf.create_time == failed.create_time);
  CHECK(recorder->saw(WorkflowEvent::kRerun, id));
}

TEST_CASE("rerun: createTime and lastRetriedTime stay, so an old workflow times out at once", "[scenario]") {
  EngineFixture f;
  no_retries(f, {"a"});
  f.workflow_def(R"({"name": "timed", "timeoutSeconds": 10, "timeoutPolicy": "TIME_OUT_WF",
                     "tasks": [{"name": "a", "taskReferenceName": "t1"}]})");
  auto id = f.start("timed");
  f.report(f.poll("a"), TaskResultStatus::kFailed);
  f.clock->advance_seconds(100);
  f.engine.executor().rerun(id, {});
  CHECK(f.workflow(id).status == WorkflowStatus::kTimedOut);
}

TEST_CASE("rerun: rejections", "[scenario]") {
  EngineFixture f;
  three_tasks(f);
  auto id = f.start("three");
  CHECK_THROWS_MATCHES(f.engine.executor().rerun(id, {}), ConflictError,
                       Message("Workflow: three.1/" + id + ".RUNNING is not in terminal state, unable to rerun."));
  CHECK_THROWS_MATCHES(f.engine.executor().rerun("nope", {}), NotFoundError,
                       Message("No such workflow found by id: nope"));
  complete_all(f);
  RerunWorkflowRequest request;
  request.re_run_from_task_id = "missing";
  CHECK_THROWS_MATCHES(f.engine.executor().rerun(id, request), ValidationError, Message("Task missing not found"));
  CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("skip task: a SKIPPED task with seq 0 lists first and the workflow passes over it", "[scenario]") {
  EngineFixture f;
  three_tasks(f);
  auto id = f.start("three");
  SkipTaskRequest request;
  request.task_input = JsonObject{{"in", 1}};
  request.task_output = JsonObject{{"v", 9}};
  f.engine.executor().skip_task(id, "t2", request);
  auto wf = f.workflow(id);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"t2:SKIPPED", "t1:SCHEDULED"});
  const Task& skipped = wf.tasks[0];
  CHECK(skipped.seq == 0);
  CHECK(skipped.task_type == "b");
  CHECK(skipped.end_time == f.clock->now_ms());
  CHECK(skipped.input_data == JsonObject{{"in", 1}});
  CHECK(skipped.output_data == JsonObject{{"v", 9}});

  f.complete(f.poll("a"));
  CHECK(f.nothing_to_poll("b"));
  auto t3 = f.poll("c");
  CHECK(t3.input_data.at("from2") == 9);
  f.complete(t3);
  wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(EngineFixture::statuses(wf) == Statuses{"t2:SKIPPED", "t1:COMPLETED", "t3:COMPLETED"});
}

TEST_CASE("skip task: rejections", "[scenario]") {
  EngineFixture f;
  three_tasks(f);
  auto id = f.start("three");
  CHECK_THROWS_MATCHES(f.engine.executor().skip_task(id, "t1"), Error,
                       state_conflict("The task referenced t1 has already been processed, cannot be skipped"));
  CHECK_THROWS_MATCHES(f.engine.executor().skip_task(id, "zz"), Error,
                       state_conflict("The task referenced by zz does not exist in the WorkflowDefinition three"));
  CHECK_THROWS_MATCHES(f.engine.executor().skip_task("nope", "t2"), NotFoundError,
                       Message("No such workflow found by id: nope"));
  f.engine.executor().pause(id);
  CHECK_THROWS_MATCHES(
      f.engine.executor().skip_task(id, "t2"), Error,
      state_conflict("The workflow " + id + " is not running so the task referenced by t2 cannot be skipped"));
  CHECK(f.workflow(id).tasks.size() == 1);
}

TEST_CASE("reset callbacks: a task waiting on callbackAfterSeconds becomes pollable now", "[scenario]") {
  EngineFixture f;
  three_tasks(f);
  auto id = f.start("three");
  TaskResult later;
  later.workflow_instance_id = id;
  later.task_id = f.poll("a").task_id;
  later.status = TaskResultStatus::kInProgress;
  later.callback_after_seconds = 3600;
  f.engine.queue().update_task(later);
  REQUIRE(f.nothing_to_poll("a"));

  f.engine.executor().reset_callbacks(id);
  CHECK(f.workflow(id).tasks[0].callback_after_seconds == 0);
  auto again = f.poll("a");
  CHECK(again.task_id == later.task_id);
  f.complete(again);
  f.complete(f.poll("b"), {{"v", 1}});
  f.complete(f.poll("c"));

  CHECK_THROWS_MATCHES(f.engine.executor().reset_callbacks(id), ConflictError,
                       Message("Workflow is in terminal state. Status = COMPLETED"));
  CHECK_THROWS_MATCHES(f.engine.executor().reset_callbacks("nope"), NotFoundError,
                       Message("No such workflow found by id: nope"));
}

TEST_CASE("remove: deletes the workflow, its tasks and their queue messages", "[scenario]") {
  EngineFixture f;
  three_tasks(f);
  auto by_id = [&](const std::string& id) {
    SearchQuery query;
    query.query = "workflowId = '" + id + "'";
    return f.engine.executor().search(query).total_hits;
  };
  auto id = f.start("three");
  SECTION("a running workflow without archiving") {
    f.engine.executor().remove(id);
    CHECK(!f.engine.executor().find_workflow(id));
    CHECK(f.nothing_to_poll("a"));
    CHECK(by_id(id) == 0);
  }
  SECTION("archiving needs an ended workflow") {
    CHECK_THROWS_MATCHES(f.engine.executor().remove(id, true), ValidationError,
                         Message("Cannot archive workflow: " + id + " with status: RUNNING"));
    CHECK(f.engine.executor().find_workflow(id));
  }
  SECTION("an archived workflow stays in the search index") {
    complete_all(f);
    f.engine.executor().remove(id, true);
    CHECK(!f.engine.executor().find_workflow(id));
    CHECK(by_id(id) == 1);
  }
  SECTION("an unknown id") {
    CHECK_THROWS_MATCHES(f.engine.executor().remove("nope"), NotFoundError,
                         Message("No such workflow found by id: nope"));
  }
}

TEST_CASE("terminate-remove: terminates then removes, nothing when terminate is refused", "[scenario]") {
  EngineFixture f;
  three_tasks(f);
  auto running = f.start("three");
  f.engine.executor().terminate_remove(running, "cleanup", true);
  CHECK(!f.engine.executor().find_workflow(running));
  CHECK(f.nothing_to_poll("a"));

  auto done = f.start("three");
  complete_all(f);
  CHECK_THROWS_MATCHES(f.engine.executor().terminate_remove(done, "cleanup"), ConflictError,
                       Message("Cannot terminate a COMPLETED workflow."));
  CHECK(f.workflow(done).status == WorkflowStatus::kCompleted);
}

