#include <conductor/worker.hpp>

#include <conductor/error.hpp>

#include "engine/engine_core.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace conductor {

struct WorkerRunner::Impl {
  struct Registration {
    WorkerOptions options;
    Callback callback;
  };

  explicit Impl(detail::EngineCore& core) : core(core) {}

  void launch(const std::shared_ptr<Registration>& reg) {
    for (int i = 0; i < std::max(1, reg->options.threads); ++i) threads.emplace_back([this, reg] { run(*reg); });
  }

  void run(Registration& reg) {
    const auto& o = reg.options;
    std::optional<std::string_view> domain;
    if (o.domain) domain = *o.domain;
    while (!stopping.load()) {
      std::vector<Task> tasks;
      try {
        tasks = core.queue().batch_poll(o.task_type, o.worker_id, domain, std::max(1, o.batch_size), o.poll_timeout);
      } catch (const std::exception& e) {
        core.log(LogLevel::kWarning, "a worker's poll failed; it polls again", {{"taskType", o.task_type}, {"error", e.what()}});
        pause(kFirstBackoff);
        continue;
      }
      // Tasks already taken are finished and reported even when stopping: that is the drain.
      // Only the batch's last task takes the next one along: the others would wait behind the chain.
      for (std::size_t i = 0; i < tasks.size(); ++i) {
        for (auto next = report(reg, tasks[i], i + 1 == tasks.size()); next; next = report(reg, *next, true)) {
        }
      }
    }
  }

  /// Reports the callback's result. With `take_next`, while the runner is not stopping, the same
  /// transaction hands this thread the next task of the type (Conductor's update-v2), sparing a poll.
  std::optional<Task> report(Registration& reg, const Task& task, bool take_next) {
    TaskResult result;
    try {
      result = reg.callback(task);
    } catch (const std::exception& e) {
      result = TaskResult{};
      result.status = TaskResultStatus::kFailed;
      result.reason_for_incompletion = e.what();
    } catch (...) {
      result = TaskResult{};
      result.status = TaskResultStatus::kFailed;
      result.reason_for_incompletion = "worker threw a non-standard exception";
    }
    result.task_id = task.task_id;
    result.workflow_instance_id = task.workflow_instance_id;
    if (!result.worker_id) result.worker_id = reg.options.worker_id;
    if (!result.status) result.status = TaskResultStatus::kCompleted;
    // A retryable failure (a busy database, a run of version conflicts) is retried until the result
    // lands: dropping it would leave the task to its response timeout. Stopping gives up; the task
    // then comes back through that timeout.
    for (auto backoff = kFirstBackoff;; backoff = std::min(backoff * 2, kMaxBackoff)) {
      try {
        if (take_next && !stopping.load()) return core.queue().update_task_and_poll(result);
        core.queue().update_task(result);
        return std::nullopt;
      } catch (const UnavailableError& e) {
        core.log(LogLevel::kWarning, "a worker's result could not be stored yet; retrying",
                 {{"taskType", reg.options.task_type}, {"taskId", task.task_id}, {"error", e.what()}});
        if (!pause(backoff)) return std::nullopt;
      } catch (const std::exception& e) {
        core.log(LogLevel::kError, "a worker's result was refused",
                 {{"taskType", reg.options.task_type}, {"taskId", task.task_id}, {"error", e.what()}});
        return std::nullopt;
      }
    }
  }

  /// Waits `delay` unless the runner stops first; false when it stopped.
  bool pause(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex);
    return !stopped_cv.wait_for(lock, delay, [this] { return stopping.load(); });
  }

  static constexpr std::chrono::milliseconds kFirstBackoff{50};
  static constexpr std::chrono::milliseconds kMaxBackoff{5000};

  detail::EngineCore& core;
  std::mutex mutex;
  std::condition_variable stopped_cv;  // notified when stopping is set
  std::vector<std::shared_ptr<Registration>> registrations;
  std::vector<std::thread> threads;
  bool started = false;
  std::atomic<bool> stopping{false};
};

WorkerRunner::WorkerRunner(detail::EngineCore& core) : impl_(std::make_unique<Impl>(core)) {}

WorkerRunner::~WorkerRunner() { stop(); }

void WorkerRunner::add_callback(WorkerOptions options, Callback callback) {
  auto reg = std::make_shared<Impl::Registration>(Impl::Registration{std::move(options), std::move(callback)});
  std::lock_guard lock(impl_->mutex);
  impl_->registrations.push_back(reg);
  if (impl_->started) impl_->launch(reg);
}

void WorkerRunner::start() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->started) return;
  impl_->started = true;
  impl_->stopping = false;
  for (const auto& reg : impl_->registrations) impl_->launch(reg);
}

void WorkerRunner::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->started) return;
    impl_->stopping = true;
    impl_->started = false;
    impl_->stopped_cv.notify_all();
    threads = std::move(impl_->threads);
    impl_->threads.clear();
  }
  impl_->core.signal().interrupt();
  for (auto& t : threads) t.join();
}

}  // namespace conductor
