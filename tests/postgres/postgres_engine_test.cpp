// The engine on PostgreSQL: two engines on one database, as two processes would be, whose changes
// conflict all the time. A change whose version check fails on the server (reported only at its
// commit, since writes are sent ahead of their answers) is computed again from fresh state.
#include <conductor/payload_storage.hpp>
#include <conductor/storage/postgres.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

#include "counting_storage.hpp"
#include "postgres/postgres_fixture.hpp"
#include "scenario/engine_fixture.hpp"
#include "scenario/two_engines.hpp"
#include "storage/storage_fixtures.hpp"

using namespace conductor;

SCENARIO("postgres: threads of two engines completing the branches of the same workflows lose and repeat nothing",
         "[scenario]") {
  testing::PostgresSchema schema;
  testing::two_engines_complete_forks([&] { return open_postgres({.url = schema.url(), .pool_size = 4}); });
}

SCENARIO("postgres: the summary searches derive from a stored row shows an offloaded payload's path, not its text",
         "[scenario]") {
  testing::PostgresSchema schema;
  testing::TempDir dir;
  EngineFixture f{[&](EngineOptions& options) {
    options.storage = open_postgres({.url = schema.url(), .pool_size = 2});
    options.payload_storage = directory_payload_storage(dir.path());
    options.payload_limits = {.workflow_input_threshold_kb = 1, .task_input_threshold_kb = 1};
  }};
  f.workflow_def(R"({"name": "big", "tasks": [{"name": "work", "taskReferenceName": "work",
      "inputParameters": {"copy": "${workflow.input.blob}"}}]})");
  const std::string id = f.start("big", {{"blob", std::string(2000, 'i')}});
  const Task task = f.poll("work");
  CHECK(task.input_data.at("copy").as_string().size() == 2000);  // whole above the storage
  const auto workflows = f.engine.executor().search({.query = "workflowId = '" + id + "'"});
  REQUIRE(workflows.results.size() == 1);
  CHECK(workflows.results[0].input.empty());
  CHECK(workflows.results[0].external_input_payload_storage_path);
  const auto tasks = f.engine.queue().search({.query = "taskId = '" + task.task_id + "'"});
  REQUIRE(tasks.results.size() == 1);
  CHECK(tasks.results[0].input.empty());
  CHECK(tasks.results[0].external_input_payload_storage_path);
}

SCENARIO("postgres: task search finds a task from the moment it is stored, before its first update", "[scenario]") {
  testing::PostgresSchema schema;
  auto counting = std::make_unique<testing::CountingStorage>(open_postgres({.url = schema.url(), .pool_size = 2}));
  testing::CountingStorage& storage = *counting;
  EngineFixture f{std::move(counting)};
  f.workflow_def(R"({"name": "one", "tasks": [{"name": "work", "taskReferenceName": "work"}]})");
  const std::string id = f.start("one");
  const auto scheduled = f.engine.queue().search({.query = "workflowId = '" + id + "' AND status = SCHEDULED"});
  REQUIRE(scheduled.results.size() == 1);
  CHECK(scheduled.results[0].task_type == "work");
  f.complete(f.poll("work"));
  const auto completed = f.engine.queue().search({.query = "workflowId = '" + id + "'"});
  REQUIRE(completed.results.size() == 1);
  CHECK(completed.results[0].status == TaskStatus::kCompleted);
  // Searches read the stored rows: the engine built no summary for them.
  CHECK(storage.summaries() == 0);
}

SCENARIO("postgres: an engine that polls a task of a workflow another engine started updates it without reading it",
         "[scenario]") {
  testing::PostgresSchema schema;
  EngineFixture starter{open_postgres({.url = schema.url(), .pool_size = 2})};
  auto counting = std::make_unique<testing::CountingStorage>(open_postgres({.url = schema.url(), .pool_size = 2}));
  const testing::CountingStorage& storage = *counting;
  EngineFixture worker{std::move(counting)};
  starter.task_def(R"({"name": "work", "responseTimeoutSeconds": 600})");
  starter.workflow_def(R"({"name": "two", "tasks": [{"name": "work", "taskReferenceName": "first"},
      {"name": "work", "taskReferenceName": "second"}]})");
  starter.start("two");
  const std::string id = starter.start("two");
  worker.complete(worker.poll("work"));  // the first poll to meet such a workflow sends nothing
  const long queue_writes = storage.queue_writes();
  const Task first = worker.poll("work");
  REQUIRE(first.workflow_instance_id == id);
  // The workflow came with its sweep's due time, within the workflow offset: the hand-out knows
  // the sweep comes before the task's response timeout and leaves the decider message alone.
  CHECK(storage.queue_writes() == queue_writes);
  const long reads = storage.reads();
  worker.complete(first);
  CHECK(storage.reads() == reads);  // the poll brought the workflow along
  // The starter's cached copy is stale now: it costs a computation again, not a lost update.
  for (int second_tasks = 0; second_tasks < 2; ++second_tasks) starter.complete(starter.poll("work"), {{"last", true}});
  const Workflow done = starter.engine.executor().get_workflow(id, true);
  CHECK(done.status == WorkflowStatus::kCompleted);
  REQUIRE(done.tasks.size() == 2);
  CHECK(done.tasks[1].output_data.at("last") == true);
}

namespace {

/// Set by a queue waiter's callback on whichever thread fires it.
class Woken {
 public:
  std::function<void(bool)> callback() {
    return [this](bool) {
      std::lock_guard lock(mutex_);
      woken_ = true;
      changed_.notify_all();
    };
  }
  bool within(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return woken_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool woken_ = false;
};

}  // namespace

SCENARIO("postgres: a push a parked poll of the same engine takes wakes no other engine", "[scenario]") {
  testing::PostgresSchema schema;
  EngineFixture a{open_postgres({.url = schema.url(), .pool_size = 2})};
  EngineFixture b{open_postgres({.url = schema.url(), .pool_size = 2})};
  a.workflow_def(R"({"name": "one", "tasks": [{"name": "work", "taskReferenceName": "work"}]})");
  a.workflow_def(R"({"name": "sync", "tasks": [{"name": "synced", "taskReferenceName": "synced"}]})");
  a.workflow_def(R"({"name": "mark", "tasks": [{"name": "marker", "taskReferenceName": "marker"}]})");
  a.workflow_def(R"({"name": "sync back", "tasks": [{"name": "synced back", "taskReferenceName": "synced"}]})");
  // An engine listens to the others while its polls wait, from a thread of its own that connects
  // first, and its waiters look again once it listens. Poll on both until each has heard the other,
  // so that neither begins to listen, waking its waiters, during what follows.
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);;) {
    Woken b_heard;
    Woken a_heard;
    auto b_waiter = b.engine.queue().wait_for_push("synced", {}, b_heard.callback());
    auto a_waiter = a.engine.queue().wait_for_push("synced back", {}, a_heard.callback());
    a.start("sync");
    b.start("sync back");
    if (b_heard.within(std::chrono::milliseconds(200)) && a_heard.within(std::chrono::milliseconds(200))) break;
    REQUIRE(std::chrono::steady_clock::now() < deadline);
  }

  Woken a_work;
  Woken b_work;
  Woken b_marker;
  auto a_waiter = a.engine.queue().wait_for_push("work", {}, a_work.callback());
  auto b_waiter = b.engine.queue().wait_for_push("work", {}, b_work.callback());
  auto b_marker_waiter = b.engine.queue().wait_for_push("marker", {}, b_marker.callback());
  const std::string taken_here = a.start("one");
  CHECK(a_work.within(std::chrono::milliseconds(0)));  // woken by the commit itself
  a.start("mark");  // a has no poll of its own parked on "marker": announced
  REQUIRE(b_marker.within(std::chrono::seconds(30)));
  // Announcements arrive in commit order, so b would have heard of the first push by now.
  CHECK_FALSE(b_work.within(std::chrono::milliseconds(0)));
  CHECK(a.poll("work").workflow_instance_id == taken_here);

  // Once a's poll is gone, a's pushes are announced again.
  const std::string taken_there = a.start("one");
  REQUIRE(b_work.within(std::chrono::seconds(30)));
  CHECK(b.poll("work").workflow_instance_id == taken_there);
}

SCENARIO("postgres: a poll that begins to wait while its engine does not listen looks again once it does",
         "[scenario]") {
  testing::PostgresSchema schema;
  EngineFixture a{open_postgres({.url = schema.url(), .pool_size = 2})};
  EngineFixture b{open_postgres({.url = schema.url(), .pool_size = 2})};
  a.workflow_def(R"({"name": "one", "tasks": [{"name": "work", "taskReferenceName": "work"}]})");
  // No poll of b has waited yet, so b does not listen: this push is announced to nobody there.
  const std::string id = a.start("one");
  Woken woken;
  auto waiter = b.engine.queue().wait_for_push("work", {}, woken.callback());
  // b begins to listen for the waiter, and its waiters look again: the push may have gone unheard.
  REQUIRE(woken.within(std::chrono::seconds(30)));
  CHECK(b.poll("work").workflow_instance_id == id);
}
