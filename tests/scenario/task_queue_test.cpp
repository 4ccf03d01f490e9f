#include "engine_fixture.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace conductor;

TEST_CASE("task queue: update by reference name, logs, poll data and sizes", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "tq", "tasks": [{"name": "tq1", "taskReferenceName": "first"},
                                             {"name": "tq2", "taskReferenceName": "second"}]})");
  auto id = f.start("tq");
  CHECK(f.engine.queue().queue_sizes({"tq1", "tq2"}) == std::map<std::string, std::int64_t>{{"tq1", 1}, {"tq2", 0}});

  auto polled = f.engine.queue().batch_poll("tq1", "worker-a", {}, 5, std::chrono::milliseconds(0));
  REQUIRE(polled.size() == 1);
  CHECK(f.engine.queue().queue_size("tq1") == 0);
  auto poll_data = f.engine.queue().poll_data("tq1");
  REQUIRE(poll_data.size() == 1);
  CHECK(poll_data[0].worker_id == "worker-a");
  CHECK(poll_data[0].last_poll_time == f.clock->now_ms());

  f.engine.queue().add_log(polled[0].task_id, "halfway");
  auto logs = f.engine.queue().logs(polled[0].task_id);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].log == "halfway");
  CHECK_THROWS_AS(f.engine.queue().add_log("nope", "x"), NotFoundError);

  auto updated = f.engine.queue().update_task_by_ref(id, "first", TaskResultStatus::kCompleted, {{"r", 1}}, "worker-b");
  CHECK(updated.status == TaskStatus::kCompleted);
  CHECK(updated.worker_id == "worker-b");
  CHECK_THROWS_AS(f.engine.queue().update_task_by_ref(id, "missing", TaskResultStatus::kCompleted, {}),
                  NotFoundError);
  CHECK(f.engine.queue().queue_size("tq2") == 1);
  auto second = f.engine.executor().get_workflow(id).tasks.back();
  CHECK(f.engine.queue().ack(second.task_id));
  CHECK_FALSE(f.engine.queue().ack(second.task_id));
  CHECK(f.engine.queue().requeue_pending("tq2") == 1);
  CHECK(f.engine.queue().queue_size("tq2") == 1);
  f.engine.queue().remove_from_queue(second.task_id);
  CHECK(f.engine.queue().queue_size("tq2") == 0);
}

TEST_CASE("task queue: a long poll returns as soon as a task is queued", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "lp", "tasks": [{"name": "lp1", "taskReferenceName": "lp1"}]})");
  std::vector<Task> got;
  std::thread poller([&] { got = f.engine.queue().batch_poll("lp1", "w", {}, 1, std::chrono::milliseconds(5000)); });
  auto id = f.start("lp");
  poller.join();
  REQUIRE(got.size() == 1);
  CHECK(got[0].workflow_instance_id == id);
}

TEST_CASE("task queue: each pushed message wakes a long poller of its own", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "lp", "tasks": [{"name": "lp1", "taskReferenceName": "lp1"}]})");
  constexpr int kPollers = 3;
  std::vector<std::vector<Task>> got(kPollers);
  std::vector<std::thread> pollers;
  for (int i = 0; i < kPollers; ++i) {
    pollers.emplace_back([&, i] {
      got[i] = f.engine.queue().batch_poll("lp1", "w" + std::to_string(i), {}, 1, std::chrono::milliseconds(5000));
    });
  }
  // Each start pushes one message; a poller that missed its wake-up would come back empty at timeout.
  std::set<std::string> started;
  for (int i = 0; i < kPollers; ++i) started.insert(f.start("lp"));
  for (auto& poller : pollers) poller.join();
  std::set<std::string> polled;
  for (const auto& tasks : got) {
    REQUIRE(tasks.size() == 1);
    polled.insert(tasks[0].workflow_instance_id);
  }
  CHECK(polled == started);
}

TEST_CASE("task queue: update-and-poll hands out the task its own update scheduled", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "chain", "tasks": [{"name": "step", "taskReferenceName": "a"},
                                                {"name": "step", "taskReferenceName": "b"}]})");
  auto id = f.start("chain");
  auto first = f.engine.queue().batch_poll("step", "worker-a", {}, 1, std::chrono::milliseconds(0));
  REQUIRE(first.size() == 1);
  TaskResult result;
  result.workflow_instance_id = id;
  result.task_id = first[0].task_id;
  result.status = TaskResultStatus::kCompleted;
  result.worker_id = "worker-a";
  auto next = f.engine.queue().update_task_and_poll(result);
  REQUIRE(next);
  CHECK(next->reference_task_name == "b");
  CHECK(next->status == TaskStatus::kInProgress);
  CHECK(next->worker_id == "worker-a");
  CHECK(f.engine.queue().queue_size("step") == 0);
  const auto stored = f.engine.executor().get_workflow(id).tasks;
  REQUIRE(stored.size() == 2);
  CHECK(stored[0].status == TaskStatus::kCompleted);
  CHECK(stored[1].status == TaskStatus::kInProgress);

  result.task_id = next->task_id;
  CHECK_FALSE(f.engine.queue().update_task_and_poll(result));  // nothing left to hand out
  CHECK(f.engine.executor().get_workflow(id).status == WorkflowStatus::kCompleted);
}

namespace {

/// Two workflows of two `step` tasks each, both started, and the first one's first task polled.
struct TwoChains {
  explicit TwoChains(const std::string& step_def) {
    f.task_def(step_def);
    f.workflow_def(R"({"name": "chain", "tasks": [{"name": "step", "taskReferenceName": "a"},
                                                  {"name": "step", "taskReferenceName": "b"}]})");
    first = f.start("chain");
    second = f.start("chain");
    a = f.poll("step");
    REQUIRE(a.workflow_instance_id == first);
  }

  /// Completes the first task through update-and-poll, reported by `worker-b`.
  std::optional<Task> complete_a_and_poll() {
    TaskResult result;
    result.workflow_instance_id = a.workflow_instance_id;
    result.task_id = a.task_id;
    result.status = TaskResultStatus::kCompleted;
    result.worker_id = "worker-b";
    return f.engine.queue().update_task_and_poll(result);
  }

  EngineFixture f;
  std::string first;
  std::string second;
  Task a;
};

}  // namespace

TEST_CASE("task queue: update-and-poll hands its worker the workflow's next task ahead of the queue", "[scenario]") {
  TwoChains c(R"({"name": "step", "retryCount": 1, "retryDelaySeconds": 0, "responseTimeoutSeconds": 5})");
  EngineFixture& f = c.f;
  f.clock->advance_seconds(1);
  auto next = c.complete_a_and_poll();
  REQUIRE(next);
  CHECK(next->workflow_instance_id == c.first);  // not the second workflow's task, queued earlier
  CHECK(next->reference_task_name == "b");
  CHECK(next->status == TaskStatus::kInProgress);
  CHECK(next->worker_id == "worker-b");
  CHECK(next->poll_count == 1);
  CHECK(next->start_time == f.clock->now_ms());
  CHECK(f.engine.queue().queue_size("step") == 1);
  CHECK(f.engine.queue().get_task(next->task_id).status == TaskStatus::kInProgress);
  auto poll_data = f.engine.queue().poll_data("step");
  REQUIRE(poll_data.size() == 1);
  CHECK(poll_data[0].worker_id == "worker-b");
  CHECK(poll_data[0].last_poll_time == f.clock->now_ms());

  // It never went through a poll, and still times out like a polled task when its worker goes quiet.
  f.advance(6);
  CHECK(EngineFixture::statuses(f.workflow(c.first)) ==
        std::vector<std::string>{"a:COMPLETED", "b:TIMED_OUT", "b:SCHEDULED"});
  CHECK(f.workflow(c.second).tasks.at(0).status == TaskStatus::kScheduled);
}

TEST_CASE("task queue: a task with a concurrency limit reaches update-and-poll through the queue", "[scenario]") {
  TwoChains c(R"({"name": "step", "concurrentExecLimit": 5})");
  // Admitted by a poll in queue order: the second workflow's task was queued first.
  auto next = c.complete_a_and_poll();
  REQUIRE(next);
  CHECK(next->workflow_instance_id == c.second);
  CHECK(c.f.engine.queue().queue_size("step") == 1);
  CHECK(c.f.poll("step").workflow_instance_id == c.first);
}

TEST_CASE("task queue: a task handed out and ended by the same decide is not answered", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "step"})");
  // b is scheduled beside a TERMINATE that ends the workflow in the same decide.
  f.workflow_def(R"({"name": "cut", "tasks": [{"name": "step", "taskReferenceName": "a"},
    {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN", "forkTasks": [
      [{"name": "step", "taskReferenceName": "b"}],
      [{"name": "stop", "taskReferenceName": "stop", "type": "TERMINATE",
        "inputParameters": {"terminationStatus": "FAILED"}}]]},
    {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["b", "stop"]}]})");
  auto id = f.start("cut");
  auto a = f.poll("step");
  TaskResult result;
  result.workflow_instance_id = id;
  result.task_id = a.task_id;
  result.status = TaskResultStatus::kCompleted;
  result.worker_id = "worker-b";
  CHECK_FALSE(f.engine.queue().update_task_and_poll(result));
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kFailed);
  auto b = std::find_if(wf.tasks.begin(), wf.tasks.end(), [](const Task& t) { return t.reference_task_name == "b"; });
  REQUIRE(b != wf.tasks.end());
  CHECK(b->status == TaskStatus::kCanceled);
  CHECK(f.engine.queue().queue_size("step") == 0);
}

TEST_CASE("task queue: a queue's polls are recorded at most once a second", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "pd"})");
  auto poll = [&](const char* worker) {
    f.engine.queue().batch_poll("pd", worker, {}, 1, std::chrono::milliseconds(0));
  };
  auto recorded = [&] {
    auto data = f.engine.queue().poll_data("pd");
    REQUIRE(data.size() == 1);
    return std::pair(data[0].worker_id, data[0].last_poll_time);
  };
  const std::int64_t t0 = f.clock->now_ms();
  poll("w1");
  CHECK(recorded() == std::pair(std::string("w1"), t0));
  f.clock->advance_ms(600);
  poll("w2");
  CHECK(recorded() == std::pair(std::string("w1"), t0));
  f.clock->advance_ms(400);
  poll("w2");
  CHECK(recorded() == std::pair(std::string("w2"), t0 + 1000));
  // Another domain is a row of its own, recorded at once.
  f.engine.queue().batch_poll("pd", "w3", "blue", 1, std::chrono::milliseconds(0));
  CHECK(f.engine.queue().poll_data("pd").size() == 2);
}

TEST_CASE("task queue: a result is applied to its task whatever workflow it names", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "named", "tasks": [{"name": "named1", "taskReferenceName": "only"}]})");
  auto id = f.start("named");
  auto other = f.start("named");
  auto polled = f.engine.queue().batch_poll("named1", "w", {}, 1, std::chrono::milliseconds(0));
  REQUIRE(polled.size() == 1);
  REQUIRE(polled[0].workflow_instance_id == id);
  TaskResult result;
  result.task_id = polled[0].task_id;
  result.status = TaskResultStatus::kCompleted;
  // Conductor goes by the task id: a wrong or unknown workflow id in the result does not misplace it.
  result.workflow_instance_id = other;
  CHECK(f.engine.queue().update_task(result).status == TaskStatus::kCompleted);
  CHECK(f.engine.executor().get_workflow(id).status == WorkflowStatus::kCompleted);
  CHECK(f.engine.executor().get_workflow(other).status == WorkflowStatus::kRunning);
  result.workflow_instance_id = "no-such-workflow";
  CHECK(f.engine.queue().update_task(result).status == TaskStatus::kCompleted);
  result.task_id = "no-such-task";
  CHECK_THROWS_AS(f.engine.queue().update_task(result), NotFoundError);
}

TEST_CASE("task queue: poll arguments are validated", "[scenario]") {
  EngineFixture f;
  CHECK_THROWS_AS(f.engine.queue().batch_poll("x", "w", {}, 1, std::chrono::milliseconds(5001)), ValidationError);
  CHECK_THROWS_AS(f.engine.queue().batch_poll("x", "w", {}, 0, std::chrono::milliseconds(0)), ValidationError);
  CHECK_THROWS_AS(f.engine.queue().get_task("missing"), NotFoundError);
}

TEST_CASE("task queue: a lease extension only refreshes the task", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "lease", "responseTimeoutSeconds": 10})");
  f.workflow_def(R"({"name": "lw", "tasks": [{"name": "lease", "taskReferenceName": "l"}]})");
  auto id = f.start("lw");
  auto t = f.poll("lease");
  f.clock->advance_seconds(8);
  TaskResult extend;
  extend.workflow_instance_id = id;
  extend.task_id = t.task_id;
  extend.status = TaskResultStatus::kInProgress;
  extend.extend_lease = true;
  extend.output_data = {{"ignored", true}};
  auto after = f.engine.queue().update_task(extend);
  CHECK(after.status == TaskStatus::kInProgress);
  CHECK(after.output_data.empty());
  f.advance(8);
  CHECK(f.engine.queue().get_task(t.task_id).status == TaskStatus::kInProgress);
  f.advance(3);
  CHECK(f.engine.queue().get_task(t.task_id).status == TaskStatus::kTimedOut);
}

TEST_CASE("task queue: wait_for_push calls back once at the next push of its queue", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "lp", "tasks": [{"name": "lp1", "taskReferenceName": "lp1"}]})");
  std::vector<bool> wakes;
  auto waiter = f.engine.queue().wait_for_push("lp1", {}, [&](bool pushed) { wakes.push_back(pushed); });
  CHECK_FALSE(waiter.recheck_at());
  CHECK(f.nothing_to_poll("lp1"));
  auto other = f.engine.queue().wait_for_push("lp1", std::string_view("some-domain"), [&](bool) { FAIL("woken"); });
  const auto id = f.start("lp");
  CHECK(wakes == std::vector<bool>{true});
  CHECK(f.poll("lp1").workflow_instance_id == id);
  CHECK_FALSE(waiter.cancel());  // fired already
  f.start("lp");
  CHECK(wakes.size() == 1);
  CHECK(other.cancel());
  CHECK_FALSE(other.cancel());
  CHECK_THROWS_AS(f.engine.queue().wait_for_push("", {}, [](bool) {}), ValidationError);
}

TEST_CASE("task queue: a waiter learns when a delayed message becomes visible", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "lp", "tasks": [{"name": "lp1", "taskReferenceName": "lp1"}]})");
  const auto id = f.start("lp");
  const Task task = f.poll("lp1");
  TaskResult later;
  later.workflow_instance_id = id;
  later.task_id = task.task_id;
  later.status = TaskResultStatus::kInProgress;
  later.callback_after_seconds = 30;
  f.engine.queue().update_task(later);
  const auto before = std::chrono::steady_clock::now();
  auto waiter = f.engine.queue().wait_for_push("lp1", {}, [](bool) {});
  REQUIRE(waiter.recheck_at());
  CHECK(*waiter.recheck_at() >= before + std::chrono::seconds(29));
  CHECK(*waiter.recheck_at() <= std::chrono::steady_clock::now() + std::chrono::seconds(30));
}

TEST_CASE("task queue: a waiter that leaves after its wake hands the push to the next waiter", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "lp", "tasks": [{"name": "lp1", "taskReferenceName": "lp1"}]})");
  int first_woken = 0;
  int second_woken = 0;
  auto first = f.engine.queue().wait_for_push("lp1", {}, [&](bool) { ++first_woken; });
  auto second = f.engine.queue().wait_for_push("lp1", {}, [&](bool) { ++second_woken; });
  f.start("lp");
  CHECK(first_woken == 1);
  CHECK(second_woken == 0);
  first.hand_over();  // say its poll had already looked, and leaves with another task
  CHECK(second_woken == 1);
  auto third = f.engine.queue().wait_for_push("lp1", {}, [&](bool) { FAIL("woken"); });
  second.cancel();  // cancel() keeps the wake-up: this waiter polls again
  CHECK(third.cancel());
}
