#include "engine_fixture.hpp"

using namespace conductor;
using Statuses = std::vector<std::string>;

namespace {

// One task `r` of type `rt` with the given TaskDef fields, in workflow `retry_wf`.
void setup(EngineFixture& f, const std::string& def_fields) {
  f.task_def(R"({"name": "rt", )" + def_fields + "}");
  f.workflow_def(R"({"name": "retry_wf", "tasks": [{"name": "rt", "taskReferenceName": "r"}]})");
}

// Fails the given attempt and returns the retry the decider scheduled.
Task fail_and_get_retry(EngineFixture& f, const std::string& wf_id, const Task& attempt) {
  f.report(attempt, TaskResultStatus::kFailed, {}, "boom");
  auto wf = f.workflow(wf_id);
  REQUIRE(wf.tasks.back().status == TaskStatus::kScheduled);
  return wf.tasks.back();
}

// Moves the clock one second at a time until a task can be polled; returns it with the wait.
std::pair<int, Task> poll_when_due(EngineFixture& f) {
  for (int s = 0; s <= 120; ++s) {
    auto tasks = f.engine.queue().batch_poll("rt", "test-worker", {}, 1, std::chrono::milliseconds(0));
    if (!tasks.empty()) return {s, tasks.front()};
    f.clock->advance_seconds(1);
  }
  FAIL("task never became pollable");
  return {};
}

}  // namespace

TEST_CASE("retries: FIXED delay, attempts linked by retriedTaskId, then success", "[scenario]") {
  EngineFixture f;
  setup(f, R"("retryCount": 3, "retryLogic": "FIXED", "retryDelaySeconds": 5)");
  auto id = f.start("retry_wf");
  auto first = f.poll("rt");
  f.report(first, TaskResultStatus::kFailed, {}, "boom");
  auto wf = f.workflow(id);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"r:FAILED", "r:SCHEDULED"});
  CHECK(wf.tasks[0].retried);
  CHECK(wf.tasks[1].retried_task_id == first.task_id);
  CHECK(wf.tasks[1].retry_count == 1);
  CHECK(wf.tasks[1].callback_after_seconds == 5);
  CHECK(wf.tasks[1].reason_for_incompletion == "boom");
  auto [waited, second] = poll_when_due(f);
  CHECK(waited == 5);
  f.complete(second);
  wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(wf.failed_reference_task_names == std::vector<std::string>{"r"});
}

TEST_CASE("retries: EXPONENTIAL_BACKOFF doubles and is capped", "[scenario]") {
  EngineFixture f;
  setup(f, R"("retryCount": 2, "retryLogic": "EXPONENTIAL_BACKOFF", "retryDelaySeconds": 2, "maxRetryDelaySeconds": 3)");
  auto id = f.start("retry_wf");
  CHECK(fail_and_get_retry(f, id, f.poll("rt")).callback_after_seconds == 2);
  auto [first_wait, second] = poll_when_due(f);
  CHECK(first_wait == 2);
  CHECK(fail_and_get_retry(f, id, second).callback_after_seconds == 3);
  auto [second_wait, third] = poll_when_due(f);
  CHECK(second_wait == 3);
  f.report(third, TaskResultStatus::kFailed, {}, "last");
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(wf.tasks.size() == 3);
  CHECK(*wf.reason_for_incompletion ==
        fmt::format("Task {} failed with status: FAILED and reason: 'last'", wf.tasks.back().task_id));
}

TEST_CASE("retries: LINEAR_BACKOFF scales with the attempt and is capped", "[scenario]") {
  EngineFixture f;
  setup(f, R"("retryCount": 2, "retryLogic": "LINEAR_BACKOFF", "retryDelaySeconds": 2, "backoffScaleFactor": 2,
              "maxRetryDelaySeconds": 5)");
  auto id = f.start("retry_wf");
  CHECK(fail_and_get_retry(f, id, f.poll("rt")).callback_after_seconds == 4);
  auto [waited, second] = poll_when_due(f);
  CHECK(waited == 4);
  CHECK(fail_and_get_retry(f, id, second).callback_after_seconds == 5);
}

TEST_CASE("retries: jitter adds at most backoffJitterMs to the delay", "[scenario]") {
  EngineFixture f;
  setup(f, R"("retryCount": 1, "retryDelaySeconds": 60, "backoffJitterMs": 5000)");
  auto id = f.start("retry_wf");
  auto retry = fail_and_get_retry(f, id, f.poll("rt"));
  CHECK(retry.callback_after_seconds == 60);
  CHECK(retry.callback_after_ms >= 60000);
  CHECK(retry.callback_after_ms <= 65000);
}

TEST_CASE("retries: FAILED_WITH_TERMINAL_ERROR is never retried", "[scenario]") {
  EngineFixture f;
  setup(f, R"("retryCount": 3, "retryDelaySeconds": 0)");
  auto id = f.start("retry_wf");
  f.report(f.poll("rt"), TaskResultStatus::kFailedWithTerminalError, {}, "fatal");
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(wf.tasks.size() == 1);
  CHECK(wf.failed_task_id == wf.tasks[0].task_id);
}

TEST_CASE("retries: an optional task that fails for good completes with errors", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "opt", "retryCount": 0})");
  f.task_def(R"({"name": "after"})");
  f.workflow_def(R"({"name": "optional_wf", "tasks": [{"name": "opt", "taskReferenceName": "o", "optional": true},
                                                      {"name": "after", "taskReferenceName": "a"}]})");
  auto id = f.start("optional_wf");
  f.report(f.poll("opt"), TaskResultStatus::kFailed);
  f.complete(f.poll("after"));
  auto wf = f.workflow(id);
  CHECK(EngineFixture::statuses(wf) == Statuses{"o:COMPLETED_WITH_ERRORS", "a:COMPLETED"});
  CHECK(wf.status == WorkflowStatus::kCompleted);
}

TEST_CASE("retries: a permissive task lets the workflow go on, then fails it", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "perm", "retryCount": 0})");
  f.task_def(R"({"name": "after"})");
  f.workflow_def(R"({"name": "perm_wf", "tasks": [{"name": "perm", "taskReferenceName": "p", "permissive": true},
                                                  {"name": "after", "taskReferenceName": "a"}]})");
  auto id = f.start("perm_wf");
  f.report(f.poll("perm"), TaskResultStatus::kFailed, {}, "meh");
  f.complete(f.poll("after"));
  auto wf = f.workflow(id);
  CHECK(EngineFixture::statuses(wf) == Statuses{"p:FAILED", "a:COMPLETED"});
  CHECK(wf.status == WorkflowStatus::kFailed);
}

TEST_CASE("timeouts: timeoutSeconds with RETRY times out the attempt and retries", "[scenario]") {
  EngineFixture f;
  setup(f, R"("retryCount": 1, "retryDelaySeconds": 0, "timeoutSeconds": 1, "responseTimeoutSeconds": 1,
              "timeoutPolicy": "RETRY")");
  auto id = f.start("retry_wf");
  f.poll("rt");
  f.advance(3);
  auto wf = f.workflow(id);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"r:TIMED_OUT", "r:SCHEDULED"});
  f.poll("rt");
  f.advance(3);
  wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kTimedOut);
  CHECK(EngineFixture::statuses(wf) == Statuses{"r:TIMED_OUT", "r:TIMED_OUT"});
}

TEST_CASE("timeouts: TIME_OUT_WF ends the workflow at once", "[scenario]") {
  EngineFixture f;
  setup(f, R"("retryCount": 2, "timeoutSeconds": 5, "responseTimeoutSeconds": 5, "timeoutPolicy": "TIME_OUT_WF")");
  auto id = f.start("retry_wf");
  f.poll("rt");
  f.advance(4);
  CHECK(f.workflow(id).status == WorkflowStatus::kRunning);
  f.advance(2);
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kTimedOut);
  CHECK(EngineFixture::statuses(wf) == Statuses{"r:TIMED_OUT"});
  CHECK(wf.tasks[0].reason_for_incompletion->starts_with("Task timed out after"));
}

TEST_CASE("timeouts: ALERT_ONLY leaves the task running", "[scenario]") {
  EngineFixture f;
  setup(f, R"("timeoutSeconds": 5, "responseTimeoutSeconds": 5, "timeoutPolicy": "ALERT_ONLY")");
  auto id = f.start("retry_wf");
  auto t = f.poll("rt");
  TaskResult keep;
  keep.workflow_instance_id = id;
  keep.task_id = t.task_id;
  keep.extend_lease = true;
  keep.status = TaskResultStatus::kInProgress;
  f.clock->advance_seconds(4);
  f.engine.queue().update_task(keep);
  f.advance(3);
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kRunning);
  CHECK(EngineFixture::statuses(wf) == Statuses{"r:IN_PROGRESS"});
}

TEST_CASE("timeouts: a silent worker hits the response timeout and the task is requeued", "[scenario]") {
  EngineFixture f;
  setup(f, R"("retryCount": 1, "retryDelaySeconds": 0, "responseTimeoutSeconds": 10)");
  auto id = f.start("retry_wf");
  auto first = f.poll("rt");
  f.advance(9);
  CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"r:IN_PROGRESS"});
  f.advance(2);
  auto wf = f.workflow(id);
  CHECK(EngineFixture::statuses(wf) == Statuses{"r:TIMED_OUT", "r:SCHEDULED"});
  CHECK(*wf.tasks[0].reason_for_incompletion ==
        fmt::format("responseTimeout: 10 exceeded for the taskId: {} with Task Definition: rt", first.task_id));
  CHECK(f.engine.queue().queue_size("rt") == 1);
  auto second = f.poll("rt");
  CHECK(second.retried_task_id == first.task_id);
}

TEST_CASE("timeouts: a task nobody polls hits its poll timeout", "[scenario]") {
  EngineFixture f;
  setup(f, R"("retryCount": 0, "pollTimeoutSeconds": 5, "timeoutPolicy": "TIME_OUT_WF")");
  auto id = f.start("retry_wf");
  f.advance(4);
  CHECK(f.workflow(id).status == WorkflowStatus::kRunning);
  f.advance(2);
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kTimedOut);
  CHECK(wf.tasks[0].reason_for_incompletion->starts_with("Task poll timed out after"));
}

TEST_CASE("timeouts: workflow timeoutSeconds with TIME_OUT_WF cancels running tasks", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "rt"})");
  f.workflow_def(R"({"name": "wf_timeout", "timeoutSeconds": 10, "timeoutPolicy": "TIME_OUT_WF",
                     "tasks": [{"name": "rt", "taskReferenceName": "r"}]})");
  auto id = f.start("wf_timeout");
  f.poll("rt");
  f.advance(11);
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kTimedOut);
  CHECK(EngineFixture::statuses(wf) == Statuses{"r:CANCELED"});
  CHECK(wf.reason_for_incompletion->starts_with("Workflow timed out after"));
}
