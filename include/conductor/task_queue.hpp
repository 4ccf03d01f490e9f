#pragma once

#include <conductor/export.hpp>
#include <conductor/model.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conductor {

namespace detail {
class EngineCore;
class QueueSignal;
}  // namespace detail

/// A wake-up registered with TaskQueue::wait_for_push. Move-only; destroying it cancels the wait.
/// Must not outlive the Engine. Not safe to use from several threads at once.
class CONDUCTOR_EXPORT QueueWaiter {
 public:
  QueueWaiter() = default;
  QueueWaiter(QueueWaiter&& other) noexcept;
  QueueWaiter& operator=(QueueWaiter&& other) noexcept;
  ~QueueWaiter();
  QueueWaiter(const QueueWaiter&) = delete;
  QueueWaiter& operator=(const QueueWaiter&) = delete;

  /// Withdraws the callback. True when it had not fired and now never will; false when it has fired
  /// (or is firing on another thread) or nothing was registered. Never blocks on the callback.
  bool cancel() noexcept;
  /// Withdraws the callback like cancel(), for a waiter that leaves without polling again: when the
  /// callback has already fired for a push, that push wakes another waiter of the queue instead
  /// (whose callback may run on this thread), so that its task does not wait for a poll's timeout.
  void hand_over() noexcept;
  /// When a message of the queue that is not visible yet (pushed with a delay, postponed) becomes
  /// visible; no push announces that, so a waiter should poll again then. Empty when there is none.
  std::optional<std::chrono::steady_clock::time_point> recheck_at() const { return recheck_at_; }

 private:
  friend class TaskQueue;

  detail::QueueSignal* signal_ = nullptr;
  std::string queue_;
  std::uint64_t id_ = 0;
  std::optional<std::chrono::steady_clock::time_point> recheck_at_;
};

/// The worker side of the engine: durable task queues per task type and domain (`domain:type`),
/// polling, task updates, logs and poll data (Conductor's TaskService/ExecutionService).
///
/// Safe to call from any thread. A task handed out by a poll is IN_PROGRESS and has no queue message
/// any more; a worker that goes silent is caught by the task's response timeout.
///
///     auto tasks = engine.queue().batch_poll("encode", "worker-1", {}, 10, std::chrono::seconds(1));
///     for (auto& t : tasks) engine.queue().update_task({.workflow_instance_id = t.workflow_instance_id,
///         .task_id = t.task_id, .status = conductor::TaskResultStatus::kCompleted});
class CONDUCTOR_EXPORT TaskQueue {
 public:
  TaskQueue(const TaskQueue&) = delete;
  TaskQueue& operator=(const TaskQueue&) = delete;

  /// Hands out at most `count` tasks of this type (and domain), waiting up to `timeout` for the first
  /// one (at most 5 s; ValidationError beyond). Returns as soon as anything is there. Blocks.
  std::vector<Task> batch_poll(std::string_view task_type, std::string_view worker_id,
                               std::optional<std::string_view> domain, int count,
                               std::chrono::milliseconds timeout);
  /// One task without waiting beyond a short grace period (Conductor's single poll).
  std::optional<Task> poll(std::string_view task_type, std::string_view worker_id,
                           std::optional<std::string_view> domain = {});

  /// The longest `timeout` batch_poll accepts (5 s).
  std::chrono::milliseconds max_poll_timeout() const;
  /// The waiting half of a long poll for hosts that wait without holding a thread (an event loop):
  /// calls `on_wake` once, with true at the next task pushed to this type's queue (and domain), or
  /// with false when the engine shuts down or its worker runner stops. Register first, then poll
  /// with a zero timeout, so that no push slips in between. A push wakes one waiter of the queue
  /// (parked waiters first, oldest first), so a waiter that leaves without polling after its wake
  /// must hand_over() rather than cancel(). `on_wake` runs on the thread that committed the push: keep it short (hand it to an
  /// executor); it never runs inside this call or inside QueueWaiter::cancel(). Throws
  /// ValidationError for an empty type. Does not block.
  ///
  ///     auto waiter = queue.wait_for_push("encode", {}, [&](bool) { loop.post(poll_again); });
  ///     auto tasks = queue.batch_poll("encode", "worker-1", {}, 10, std::chrono::milliseconds(0));
  ///     if (!tasks.empty()) waiter.hand_over();  // else wait for on_wake, a timer, or recheck_at()
  [[nodiscard]] QueueWaiter wait_for_push(std::string_view task_type, std::optional<std::string_view> domain,
                                          std::function<void(bool pushed)> on_wake);

  /// Applies a worker's result and decides the workflow in the same transaction; returns the stored
  /// task. A result for a task that already ended, or whose workflow ended, changes nothing.
  /// Throws ValidationError (missing ids or status), NotFoundError (unknown task).
  Task update_task(const TaskResult& result);
  /// Applies a worker's result like update_task(); once the task has ended, hands out the next task of
  /// the same type and domain to `result.worker_id` (Conductor's update-v2). A task of that queue which
  /// this very update schedules (the workflow's next step) goes to the worker first, ahead of the
  /// queue and without passing through it, unless it has a rate or concurrency limit or a callback
  /// delay; otherwise the queue's next. nullopt when the task is still running, for a lease
  /// extension, and when nothing is queued.
  std::optional<Task> update_task_and_poll(const TaskResult& result);
  /// Updates the workflow's pending task with this reference name (the first that has not ended; else
  /// one whose name without a loop suffix `__N` matches), merging `output` into its output (Conductor's
  /// update by reference name). NotFoundError when the workflow is unknown or has no such pending task.
  Task update_task_by_ref(std::string_view workflow_id, std::string_view task_ref, TaskResultStatus status,
                          const JsonObject& output, std::optional<std::string_view> worker_id = {});
  /// Deletes the task's queue message, for clients that still ack. True when a message existed.
  bool ack(std::string_view task_id);

  /// Throws NotFoundError.
  Task get_task(std::string_view task_id);
  std::optional<Task> find_task(std::string_view task_id);
  /// Throws NotFoundError, or TooLargeError for a message longer than Limits::max_task_log_kb.
  void add_log(std::string_view task_id, std::string_view message);
  std::vector<TaskExecLog> logs(std::string_view task_id);

  /// Messages waiting per task type (plain queue, no domain).
  std::map<std::string, std::int64_t> queue_sizes(const std::vector<std::string>& task_types);
  /// Messages in one queue, named from its parts as Conductor does:
  /// `[domain:]task_type[@execution_namespace][-isolation_group]`; blank parts are left out.
  std::int64_t queue_size(std::string_view task_type, std::optional<std::string_view> domain = {},
                          std::optional<std::string_view> isolation_group = {},
                          std::optional<std::string_view> execution_namespace = {});
  /// Per queue name: messages waiting and messages in flight.
  std::map<std::string, QueueCounts> all_queue_details();
  std::vector<PollData> poll_data(std::string_view task_type);
  std::vector<PollData> all_poll_data();
  /// The tasks of this type that have not ended (any domain), from `start`, at most `count`
  /// (Conductor's admin view of a task type). ValidationError for a negative `start` or `count`.
  std::vector<Task> pending_tasks(std::string_view task_type, int start, int count);
  /// Pushes every pending task of the type back to its queue; returns how many.
  int requeue_pending(std::string_view task_type);
  /// Deletes a task's queue message. NotFoundError for an unknown task.
  void remove_from_queue(std::string_view task_id);

  /// Summaries of the tasks `query` matches; for the full tasks, find_task() each hit (one that is
  /// gone meanwhile was removed with its workflow).
  SearchResult<TaskSummary> search(const SearchQuery& query);

 private:
  friend class detail::EngineCore;
  explicit TaskQueue(detail::EngineCore& core) : core_(core) {}

  detail::EngineCore& core_;
};

}  // namespace conductor
