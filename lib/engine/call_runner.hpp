#pragma once

#include <conductor/model/task.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>

namespace conductor::detail {

class EngineCore;
class HttpClient;
class TaskHandler;

/// Makes the calls of async system tasks that call out of the process (HTTP), off every thread that
/// decides or writes: the sweeper hands a running task over and moves on, the call runs on the HTTP
/// client's I/O thread, and its result is stored by a reporting thread of this runner through the
/// normal task update (one transaction, retries and timeouts as for any update). A slow endpoint holds
/// only its own call. Calls in flight are bounded; until the update commits, the task's queue message
/// stays, so a call lost with its process is made again once the message comes back.
///
/// The client starts with the first call (an engine that makes none has no extra thread). The
/// destructor drops calls in flight (their messages bring them back on the next start) and stores
/// results already received. Thread-safe.
class CallRunner {
 public:
  CallRunner(EngineCore& core, std::size_t max_in_flight);
  ~CallRunner();
  CallRunner(const CallRunner&) = delete;
  CallRunner& operator=(const CallRunner&) = delete;

  /// How many more calls may start now.
  std::size_t free_slots() const;
  /// Whether the call of this task is in flight here (a redelivery must not make it twice).
  bool in_flight(std::string_view task_id) const;
  /// Starts the call of a running task with its handler.
  void start(const TaskHandler& handler, const Task& task);

 private:
  void report(TaskResult result);
  void reporter_loop();

  EngineCore& core_;
  const std::size_t max_in_flight_;
  mutable std::mutex mutex_;
  std::condition_variable results_ready_;
  std::unordered_set<std::string> in_flight_;
  std::deque<TaskResult> results_;
  bool stopping_ = false;
  std::unique_ptr<HttpClient> client_;
  std::thread reporter_;
};

}  // namespace conductor::detail
