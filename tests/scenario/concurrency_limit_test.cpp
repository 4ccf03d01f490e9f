// A task held back by its TaskDef's concurrentExecLimit is handed out as soon as a slot frees, with
// no time passing; Conductor postpones it a fixed minute.
#include "engine_fixture.hpp"

using namespace conductor;

namespace {

struct LimitFixture : EngineFixture {
  LimitFixture() {
    task_def(R"({"name": "lim", "concurrentExecLimit": 1, "retryCount": 0, "responseTimeoutSeconds": 30})");
    workflow_def(R"({"name": "lim_wf", "tasks": [{"name": "lim", "taskReferenceName": "only"}]})");
  }
};

}  // namespace

TEST_CASE("concurrency limit: a held task is handed out once the running one completes", "[scenario]") {
  LimitFixture f;
  auto first_wf = f.start("lim_wf");
  auto second_wf = f.start("lim_wf");
  Task first = f.poll("lim");
  CHECK(first.workflow_instance_id == first_wf);
  CHECK(f.nothing_to_poll("lim"));  // the second is held back
  f.complete(first);
  Task second = f.poll("lim");
  CHECK(second.workflow_instance_id == second_wf);
  CHECK(f.nothing_to_poll("lim"));
  f.complete(second);
  CHECK(f.workflow(second_wf).status == WorkflowStatus::kCompleted);
}

TEST_CASE("concurrency limit: a slot freed by a failure, a callback or a termination releases it", "[scenario]") {
  LimitFixture f;
  f.start("lim_wf");
  auto waiting_wf = f.start("lim_wf");
  Task running = f.poll("lim");
  CHECK(f.nothing_to_poll("lim"));

  SECTION("the running task fails") { f.report(running, TaskResultStatus::kFailed, {}, "boom"); }
  SECTION("the running task goes back to its queue with a callback") {
    TaskResult r;
    r.workflow_instance_id = running.workflow_instance_id;
    r.task_id = running.task_id;
    r.status = TaskResultStatus::kInProgress;
    r.callback_after_seconds = 600;
    f.engine.queue().update_task(r);
  }
  SECTION("the running task's workflow is terminated") {
    f.engine.executor().terminate(running.workflow_instance_id, "no longer needed");
  }
  CHECK(f.poll("lim").workflow_instance_id == waiting_wf);
}

TEST_CASE("concurrency limit: released tasks that find the slot taken are held again", "[scenario]") {
  LimitFixture f;
  for (int i = 0; i < 3; ++i) f.start("lim_wf");
  Task first = f.poll("lim");
  CHECK(f.nothing_to_poll("lim"));
  f.complete(first);
  Task second = f.poll("lim");
  CHECK(f.nothing_to_poll("lim"));  // the third lost the race for the slot and waits again
  f.complete(second);
  Task third = f.poll("lim");
  CHECK(third.task_id != second.task_id);
  CHECK(f.nothing_to_poll("lim"));
}
