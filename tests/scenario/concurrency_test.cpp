// Changes are computed outside the storage writer and committed against the workflow's version:
// concurrent changes to one workflow (threads of one engine, or two engines on one database file,
// which SQLite treats as two processes) never lose or repeat a transition, and a change held up while
// it computes does not hold up other workflows.
#include <conductor/error.hpp>

#include "engine_fixture.hpp"
#include "fault_injecting_storage.hpp"
#include "storage/storage_fixtures.hpp"

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

constexpr const char* kFork = R"({"name": "fan", "version": 1, "tasks": [
  {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN", "forkTasks": [
    [{"name": "work", "taskReferenceName": "b1"}], [{"name": "work", "taskReferenceName": "b2"}],
    [{"name": "work", "taskReferenceName": "b3"}], [{"name": "work", "taskReferenceName": "b4"}],
    [{"name": "work", "taskReferenceName": "b5"}], [{"name": "work", "taskReferenceName": "b6"}]]},
  {"name": "join", "taskReferenceName": "join", "type": "JOIN",
   "joinOn": ["b1", "b2", "b3", "b4", "b5", "b6"]},
  {"name": "work", "taskReferenceName": "last"}]})";

std::unique_ptr<Storage> file_storage(const TempDir& dir) {
  return open_sqlite({.path = (dir.path() / "engine.db").string(), .sync = SqliteSync::kOff});
}

// Every task of every workflow, by reference name: each must appear once, COMPLETED.
void check_completed_once(Engine& engine, const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    auto wf = engine.executor().get_workflow(id);
    INFO(id);
    CHECK(wf.status == WorkflowStatus::kCompleted);
    std::multiset<std::string> refs;
    for (const auto& t : wf.tasks) {
      refs.insert(t.reference_task_name);
      CHECK(t.status == TaskStatus::kCompleted);
    }
    CHECK(refs == std::multiset<std::string>{"b1", "b2", "b3", "b4", "b5", "b6", "fork", "join", "last"});
  }
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
  EngineFixture first(file_storage(dir));
  EngineFixture second(file_storage(dir));
  first.task_def(R"({"name": "work", "retryCount": 0})");
  first.workflow_def(kFork);
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(first.start("fan"));

  std::mutex mutex;
  std::map<std::string, int> handed_out;  // task id -> times
  std::atomic<int> failures{0};
  auto worker = [&](Engine& engine) {
    for (int idle = 0; idle < 50;) {
      std::vector<Task> tasks;
      try {
        tasks = engine.queue().batch_poll("work", "w", std::nullopt, 2, std::chrono::milliseconds(0));
      } catch (const UnavailableError&) {
        continue;  // the other engine held the database: poll again
      }
      if (tasks.empty()) {
        ++idle;
        std::this_thread::yield();
        continue;
      }
      idle = 0;
      for (const auto& task : tasks) {
        {
          std::lock_guard lock(mutex);
          ++handed_out[task.task_id];
        }
        TaskResult result;
        result.workflow_instance_id = task.workflow_instance_id;
        result.task_id = task.task_id;
        result.status = TaskResultStatus::kCompleted;
        try {
          engine.queue().update_task(result);
        } catch (const std::exception&) {
          ++failures;
        }
      }
    }
  };
  // Deciding the same workflows over and over from both engines, beside the workers.
  std::atomic<bool> done{false};
  auto decider = [&](Engine& engine) {
    while (!done.load()) {
      for (const auto& id : ids) {
        try {
          engine.executor().decide(id);
        } catch (const UnavailableError&) {
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back(worker, std::ref(first.engine));
  for (int i = 0; i < 2; ++i) threads.emplace_back(worker, std::ref(second.engine));
  std::thread d1(decider, std::ref(first.engine));
  std::thread d2(decider, std::ref(second.engine));
  for (auto& t : threads) t.join();
  done = true;
  d1.join();
  d2.join();

  CHECK(failures == 0);
  CHECK(handed_out.size() == ids.size() * 7);
  for (const auto& [task, times] : handed_out) {
    INFO(task);
    CHECK(times == 1);
  }
  check_completed_once(first.engine, ids);
  check_completed_once(second.engine, ids);
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
