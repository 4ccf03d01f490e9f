// Changes are computed outside the storage writer and committed against the workflow's version:
// concurrent changes to one workflow (threads of one engine, or two engines on one database file,
// which SQLite treats as two processes) never lose or repeat a transition, and a change held up while
// it computes does not hold up other workflows.
#include <conductor/error.hpp>

#include "engine_fixture.hpp"
#include "fault_injecting_storage.hpp"
#include "storage/storage_fixtures.hpp"
#include "two_engines.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace conductor;
using conductor::testing::FaultInjectingStorage;
using conductor::testing::TempDir;

namespace {

std::unique_ptr<Storage> file_storage(const TempDir& dir) {
  return open_sqlite({.path = (dir.path() / "engine.db").string(), .sync = SqliteSync::kOff});
}

}  // namespace

SCENARIO("concurrency: a change that finds its workflow moved is computed again from fresh state",
         "[scenario]") {
  TempDir dir;
  auto faulty = std::make_unique<FaultInjectingStorage>(file_storage(dir));
  FaultInjectingStorage& storage = *faulty;
  EngineFixture one(std::move(faulty));
  EngineFixture other(file_storage(dir));  // another process on the same database
  one.task_def(R"({"name": "work", "retryCount": 0})");
  one.workflow_def(R"({"name": "two", "version": 1, "tasks": [
      {"name": "work", "taskReferenceName": "a"}, {"name": "work", "taskReferenceName": "b"}]})");
  auto id = one.start("two");
  auto a = one.poll("work");

  GIVEN("another engine pauses the workflow while this one computes a task's completion") {
    const int writes_before = storage.write_begins();
    storage.once([](TransactionMode mode) { return mode == TransactionMode::kWrite; },
                 [&](TransactionMode) { other.engine.executor().pause(id); });
    one.complete(a, {{"n", 1}});

    THEN("the completion is computed again on the paused workflow, and neither change is lost") {
      CHECK(storage.write_begins() - writes_before == 2);
      auto wf = one.workflow(id);
      CHECK(wf.status == WorkflowStatus::kPaused);
      CHECK(EngineFixture::statuses(wf) == std::vector<std::string>{"a:COMPLETED"});
      CHECK(wf.tasks.front().output_data.at("n") == 1);
      CHECK(one.nothing_to_poll("work"));
      other.engine.executor().resume(id);
      one.complete(one.poll("work"));
      CHECK(one.workflow(id).status == WorkflowStatus::kCompleted);
    }
  }
}

SCENARIO("concurrency: threads of two engines completing the branches of the same workflows lose and repeat nothing",
         "[scenario]") {
  TempDir dir;
  conductor::testing::two_engines_complete_forks([&] { return file_storage(dir); });
}

SCENARIO("concurrency: a change held up while it computes does not hold up another workflow", "[scenario]") {
  TempDir dir;
  auto faulty = std::make_unique<FaultInjectingStorage>(file_storage(dir));
  FaultInjectingStorage& storage = *faulty;
  EngineFixture f(std::move(faulty));
  f.task_def(R"({"name": "work", "retryCount": 0})");
  f.workflow_def(R"({"name": "one", "version": 1, "tasks": [{"name": "work", "taskReferenceName": "a"}]})");
  f.workflow_def(R"({"name": "script", "version": 1, "tasks": [{"name": "s", "taskReferenceName": "s",
      "type": "INLINE", "inputParameters": {"evaluatorType": "javascript", "expression": "1 + 1"}}]})");
  auto other = f.start("one");
  auto a = f.poll("work");

  // The script workflow's start stops at its first read, the way a slow script stops a decide: from
  // then on it is computing, and must not keep anyone else from writing.
  std::mutex mutex;
  std::condition_variable changed;
  bool held = false;
  bool released = false;
  std::atomic<std::thread::id> slow_thread;
  storage.once([&](TransactionMode) { return std::this_thread::get_id() == slow_thread.load(); },
               [&](TransactionMode) {
                 std::unique_lock lock(mutex);
                 held = true;
                 changed.notify_all();
                 changed.wait(lock, [&] { return released; });
               });
  auto slow = std::async(std::launch::async, [&] {
    slow_thread = std::this_thread::get_id();
    return f.start("script");
  });
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return held; });
  }
  auto update = std::async(std::launch::async, [&] { return f.complete(a); });
  const bool finished = update.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  {
    std::lock_guard lock(mutex);
    released = true;
  }
  changed.notify_all();
  CHECK(finished);
  update.get();
  CHECK(f.workflow(other).status == WorkflowStatus::kCompleted);
  auto script = slow.get();
  CHECK(f.workflow(script).status == WorkflowStatus::kCompleted);
}
