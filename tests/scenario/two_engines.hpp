// Two engines on one database (two processes, as far as the storage can tell), each with worker
// threads completing the branches of the same forked workflows while both decide them over and
// over, half of the workers through update-and-poll (which may hand them the workflow's last task
// directly): every task is handed out once and every workflow completes. Run on SQLite and
// PostgreSQL.
#pragma once

#include <conductor/error.hpp>

#include "engine_fixture.hpp"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace conductor::testing {

constexpr const char* kFork = R"({"name": "fan", "version": 1, "tasks": [
  {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN", "forkTasks": [
    [{"name": "work", "taskReferenceName": "b1"}], [{"name": "work", "taskReferenceName": "b2"}],
    [{"name": "work", "taskReferenceName": "b3"}], [{"name": "work", "taskReferenceName": "b4"}],
    [{"name": "work", "taskReferenceName": "b5"}], [{"name": "work", "taskReferenceName": "b6"}]]},
  {"name": "join", "taskReferenceName": "join", "type": "JOIN",
   "joinOn": ["b1", "b2", "b3", "b4", "b5", "b6"]},
  {"name": "work", "taskReferenceName": "last"}]})";

// Every task of every workflow, by reference name: each must appear once, COMPLETED.
inline void check_completed_once(Engine& engine, const std::vector<std::string>& ids) {
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

inline void two_engines_complete_forks(const std::function<std::unique_ptr<Storage>()>& open) {
  EngineFixture first(open());
  EngineFixture second(open());
  first.task_def(R"({"name": "work", "retryCount": 0})");
  first.workflow_def(kFork);
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(first.start("fan"));

  std::mutex mutex;
  std::map<std::string, int> handed_out;  // task id -> times
  std::atomic<int> failures{0};
  // A chaining worker reports through update-and-poll and works on what it answers (the task its
  // update handed out, or the queue's next) before it polls again.
  auto worker = [&](Engine& engine, bool chain) {
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
      for (const auto& polled : tasks) {
        for (std::optional<Task> task = polled; task;) {
          {
            std::lock_guard lock(mutex);
            ++handed_out[task->task_id];
          }
          TaskResult result;
          result.workflow_instance_id = task->workflow_instance_id;
          result.task_id = task->task_id;
          result.status = TaskResultStatus::kCompleted;
          result.worker_id = "w";
          try {
            if (chain) {
              task = engine.queue().update_task_and_poll(result);
            } else {
              engine.queue().update_task(result);
              task.reset();
            }
          } catch (const std::exception&) {
            ++failures;
            task.reset();
          }
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
  for (bool chain : {false, true}) {
    threads.emplace_back(worker, std::ref(first.engine), chain);
    threads.emplace_back(worker, std::ref(second.engine), chain);
  }
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

}  // namespace conductor::testing
