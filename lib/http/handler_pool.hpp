#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace conductor::http::detail {

/// The threads that run request handlers, which wait for storage. An idle thread waits on a
/// condition of its own, and new work goes to the thread that went idle last: a hand-off wakes
/// exactly that thread, and the few threads a steady load needs stay the ones running (their
/// caches warm) while the rest sleep. A shared pool that wakes any of its threads spreads the same
/// load over all of them. Thread-safe.
class HandlerPool {
 public:
  using Task = std::function<void()>;

  explicit HandlerPool(std::size_t threads);
  /// Joins (see join()).
  ~HandlerPool();
  HandlerPool(const HandlerPool&) = delete;
  HandlerPool& operator=(const HandlerPool&) = delete;

  /// Runs `task` on a pool thread, at once when one is idle. Tasks must not throw.
  void post(Task task);

  /// Returns once every task posted, including those posted by tasks meanwhile, has run and the
  /// threads have ended. Work posted afterwards never runs.
  void join();

  /// Threads waiting for work now.
  std::size_t idle_threads() const;

 private:
  struct Worker {
    std::condition_variable wake;
    Task task;  // handed over by post() while the worker is idle
    std::thread thread;
  };

  void run(Worker& self);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<Worker*> idle_;  // the most recently idle last
  std::deque<Task> queued_;    // posted while no thread was idle
  bool joining_ = false;
};

}  // namespace conductor::http::detail
