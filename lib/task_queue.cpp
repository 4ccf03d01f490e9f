#include <conductor/task_queue.hpp>

#include <conductor/error.hpp>

#include "decider/navigation.hpp"
#include "engine/engine_core.hpp"
#include "util/stopwatch.hpp"
#include "executor/change.hpp"
#include "executor/task_logs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <utility>

namespace conductor {

using detail::AfterCommit;
using detail::run_change;
using detail::run_in_writer;

namespace {

/// Conductor's getPendingTaskForWorkflow: the first task that has not ended with this reference name,
/// else the first whose reference name without its loop suffix matches.
const Task* pending_task(const Workflow& wf, std::string_view task_ref) {
  for (const auto& t : wf.tasks)
    if (!is_terminal(t.status) && t.reference_task_name == task_ref) return &t;
  for (const auto& t : wf.tasks)
    if (!is_terminal(t.status) && detail::base_ref(t) == task_ref) return &t;
  return nullptr;
}

}  // namespace

namespace {

std::string queue_of(std::string_view task_type, std::optional<std::string_view> domain) {
  return domain && !domain->empty() ? fmt::format("{}:{}", *domain, task_type) : std::string(task_type);
}

}  // namespace

QueueWaiter::QueueWaiter(QueueWaiter&& other) noexcept { *this = std::move(other); }

QueueWaiter& QueueWaiter::operator=(QueueWaiter&& other) noexcept {
  if (this != &other) {
    cancel();
    signal_ = std::exchange(other.signal_, nullptr);
    queue_ = std::move(other.queue_);
    id_ = other.id_;
    recheck_at_ = other.recheck_at_;
  }
  return *this;
}

QueueWaiter::~QueueWaiter() { cancel(); }

bool QueueWaiter::cancel() noexcept {
  if (signal_ == nullptr) return false;
  return std::exchange(signal_, nullptr)->cancel(queue_, id_);
}

void QueueWaiter::hand_over() noexcept {
  if (signal_ != nullptr) std::exchange(signal_, nullptr)->cancel(queue_, id_, true);
}

std::chrono::milliseconds TaskQueue::max_poll_timeout() const {
  return std::chrono::milliseconds(core_.settings().max_long_poll_ms);
}

QueueWaiter TaskQueue::wait_for_push(std::string_view task_type, std::optional<std::string_view> domain,
                                     std::function<void(bool pushed)> on_wake) {
  if (task_type.empty()) throw ValidationError("taskType cannot be empty");
  QueueWaiter waiter;
  waiter.queue_ = queue_of(task_type, domain);
  waiter.id_ = core_.signal().add_waiter(waiter.queue_, [on_wake = std::move(on_wake)](detail::QueueSignal::Wake wake) {
    on_wake(wake == detail::QueueSignal::Wake::kPushed);
  });
  waiter.signal_ = &core_.signal();
  // Read after registering: a delayed message pushed later wakes the waiter anyway.
  auto next = core_.storage().begin(TransactionMode::kRead)->queues().next_visible_at(waiter.queue_);
  if (next) {
    waiter.recheck_at_ = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(std::max<std::int64_t>(1, *next - core_.clock().now_ms()));
  }
  return waiter;
}

std::vector<Task> TaskQueue::batch_poll(std::string_view task_type, std::string_view worker_id,
                                        std::optional<std::string_view> domain, int count,
                                        std::chrono::milliseconds timeout) {
  if (timeout.count() > core_.settings().max_long_poll_ms)
    throw ValidationError("Long Poll Timeout value cannot be more than 5 seconds");
  if (count < 1) throw ValidationError(fmt::format("count: {} must be at least 1", count));
  if (task_type.empty()) throw ValidationError("taskType cannot be empty");
  const std::string queue = queue_of(task_type, domain);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // An interrupt (the workers stopping) from here on releases the wait, tickets taken later too.
  const std::uint64_t interrupts = core_.signal().interrupts();
  for (bool first = true;; first = false) {
    // Only a poll that may wait takes a ticket, and only once a look found the queue empty: the
    // ticket keeps the queue's wake-up state alive, a non-blocking poll of a made-up type should
    // leave nothing behind, and a process whose polls find work need not hear others' pushes.
    std::optional<detail::QueueSignal::Ticket> seen;
    if (timeout.count() > 0 && !first) seen = core_.signal().ticket(queue, interrupts);
    const detail::Stopwatch stopwatch(core_.metrics());
    auto tasks = run_in_writer(core_, [&](Transaction& tx, AfterCommit& after) {
      return core_.ops().poll(tx, after, task_type, worker_id, domain, count);
    });
    if (auto* metrics = core_.metrics()) metrics->tasks_polled(task_type, static_cast<int>(tasks.size()), stopwatch.elapsed());
    auto now = std::chrono::steady_clock::now();
    if (!tasks.empty() || now >= deadline) return tasks;
    if (!seen) continue;  // look again holding a ticket, so that no push slips in before the wait
    // Sleep until a push wakes us, a delayed message becomes visible, or the poll times out.
    auto wake = deadline;
    auto next = core_.storage().begin(TransactionMode::kRead)->queues().next_visible_at(queue);
    if (next) wake = std::min(wake, now + std::chrono::milliseconds(std::max<std::int64_t>(
                                              1, *next - core_.clock().now_ms())));
    if (!core_.signal().wait(*seen, wake)) return {};
  }
}

std::optional<Task> TaskQueue::poll(std::string_view task_type, std::string_view worker_id,
                                    std::optional<std::string_view> domain) {
  auto tasks = batch_poll(task_type, worker_id, domain, 1, std::chrono::milliseconds(100));
  if (tasks.empty()) return std::nullopt;
  return std::move(tasks.front());
}

Task TaskQueue::update_task(const TaskResult& result) {
  const detail::Stopwatch stopwatch(core_.metrics());
  Task updated = run_change(core_, result.workflow_instance_id,
                            [&](detail::Change& s) { return core_.ops().update_task(s, result); });
  if (auto* metrics = core_.metrics()) metrics->task_updated(updated.task_type, stopwatch.elapsed());
  return updated;
}

std::optional<Task> TaskQueue::update_task_and_poll(const TaskResult& result) {
  const detail::Stopwatch stopwatch(core_.metrics());
  std::optional<Task> next;
  std::string task_type;
  run_change(core_, result.workflow_instance_id, [&](detail::Change& s) {
    next.reset();
    Task updated = core_.ops().update_task(s, result, true);
    task_type = updated.task_type;
    if (result.extend_lease || !is_terminal(updated.status)) return;
    // The next task of the workflow, when it is one of this type, came straight to this worker.
    if (const auto& offer = s.offer(); offer && offer->taken) {
      next = s.find_task(*offer->taken);
      return;
    }
    // Otherwise the queue's next, in the same transaction.
    s.then_in_writer([&, updated](Transaction& tx, AfterCommit& after) {
      std::optional<std::string_view> domain;
      if (updated.domain) domain = *updated.domain;
      auto tasks = core_.ops().poll(tx, after, updated.task_type, result.worker_id.value_or(""), domain, 1);
      if (!tasks.empty()) next = std::move(tasks.front());
    });
  });
  if (auto* metrics = core_.metrics()) metrics->task_updated(task_type, stopwatch.elapsed());
  return next;
}

Task TaskQueue::update_task_by_ref(std::string_view workflow_id, std::string_view task_ref, TaskResultStatus status,
                                   const JsonObject& output, std::optional<std::string_view> worker_id) {
  return run_change(core_, workflow_id, [&](detail::Change& s) {
    auto wf = core_.ops().load(s, workflow_id);
    const Task* pending = pending_task(wf, task_ref);
    if (!pending)
      throw NotFoundError(fmt::format("Found no running task {} of workflow {} to update", task_ref, workflow_id));
    TaskResult result;
    result.workflow_instance_id = std::string(workflow_id);
    result.task_id = pending->task_id;
    result.status = status;
    result.output_data = pending->output_data;
    for (const auto& [key, value] : output) result.output_data[key] = value;
    if (worker_id) result.worker_id = std::string(*worker_id);
    return core_.ops().update_task(s, result);
  });
}

bool TaskQueue::ack(std::string_view task_id) {
  return run_in_writer(core_, [&](Transaction& tx, AfterCommit&) {
    auto task = tx.execution().find_task(task_id);
    if (!task) return false;
    const std::string queue = detail::WorkflowOps::queue_name(*task);
    if (!tx.queues().contains(queue, task_id)) return false;
    tx.queues().remove(queue, task_id);
    return true;
  });
}

std::optional<Task> TaskQueue::find_task(std::string_view task_id) {
  return core_.storage().begin(TransactionMode::kRead)->execution().find_task(task_id);
}

Task TaskQueue::get_task(std::string_view task_id) {
  auto task = find_task(task_id);
  if (!task) throw NotFoundError(fmt::format("No such task found by id: {}", task_id));
  return std::move(*task);
}

void TaskQueue::add_log(std::string_view task_id, std::string_view message) {
  detail::check_log_message(core_.limits(), message);
  run_in_writer(core_, [&](Transaction& tx, AfterCommit&) {
    if (!tx.execution().find_task(task_id)) throw NotFoundError(fmt::format("No such task found by id: {}", task_id));
    tx.execution().add_task_logs({TaskExecLog{std::string(message), std::string(task_id), core_.clock().now_ms()}});
  });
}

std::vector<TaskExecLog> TaskQueue::logs(std::string_view task_id) {
  return core_.storage().begin(TransactionMode::kRead)->execution().task_logs(task_id);
}

std::map<std::string, std::int64_t> TaskQueue::queue_sizes(const std::vector<std::string>& task_types) {
  auto tx = core_.storage().begin(TransactionMode::kRead);
  std::map<std::string, std::int64_t> sizes;
  for (const auto& type : task_types) sizes[type] = tx->queues().size(type);
  return sizes;
}

std::int64_t TaskQueue::queue_size(std::string_view task_type, std::optional<std::string_view> domain,
                                   std::optional<std::string_view> isolation_group,
                                   std::optional<std::string_view> execution_namespace) {
  const auto given = [](const std::optional<std::string_view>& part) { return part && !part->empty(); };
  std::string queue(task_type);
  if (given(domain)) queue = fmt::format("{}:{}", *domain, queue);
  if (given(execution_namespace)) queue = fmt::format("{}@{}", queue, *execution_namespace);
  if (given(isolation_group)) queue = fmt::format("{}-{}", queue, *isolation_group);
  return core_.storage().begin(TransactionMode::kRead)->queues().size(queue);
}

std::map<std::string, QueueCounts> TaskQueue::all_queue_details() {
  return core_.storage().begin(TransactionMode::kRead)->queues().all_sizes();
}

std::vector<PollData> TaskQueue::poll_data(std::string_view task_type) {
  return core_.storage().begin(TransactionMode::kRead)->execution().poll_data(task_type);
}

std::vector<PollData> TaskQueue::all_poll_data() { return poll_data(""); }

std::vector<Task> TaskQueue::pending_tasks(std::string_view task_type, int start, int count) {
  if (start < 0 || count < 0)
    throw ValidationError(fmt::format("start ({}) and count ({}) cannot be negative", start, count));
  auto tasks = core_.storage().begin(TransactionMode::kRead)->execution().pending_tasks_of_type(task_type);
  const auto first = std::min<std::size_t>(static_cast<std::size_t>(start), tasks.size());
  const auto last = std::min<std::size_t>(first + static_cast<std::size_t>(count), tasks.size());
  return {std::make_move_iterator(tasks.begin() + first), std::make_move_iterator(tasks.begin() + last)};
}

int TaskQueue::requeue_pending(std::string_view task_type) {
  return run_change(core_, {}, [&](detail::Change& s) {
    int pushed = 0;
    auto pending = s.read([&](Transaction& tx) { return tx.execution().pending_tasks_of_type(task_type); });
    for (const auto& task : pending) {
      if (core_.registry().is_system(task.task_type)) continue;
      auto queue = detail::WorkflowOps::queue_name(task);
      s.remove_message(queue, task.task_id);
      std::int64_t remaining = std::max<std::int64_t>(
          0, task.callback_after_seconds * 1000 - (s.now() - task.update_time));
      s.push_task(queue, task, remaining);
      ++pushed;
    }
    return pushed;
  });
}

void TaskQueue::remove_from_queue(std::string_view task_id) {
  run_change(core_, {}, [&](detail::Change& s) {
    auto task = s.find_task(task_id);
    if (!task) throw NotFoundError(fmt::format("No such task found by id: {}", task_id));
    s.remove_message(detail::WorkflowOps::queue_name(*task), task_id);
  });
}

SearchResult<TaskSummary> TaskQueue::search(const SearchQuery& query) {
  core_.prepare_search(query, "tasks");
  return core_.storage().begin(TransactionMode::kRead)->index().search_tasks(query);
}

}  // namespace conductor
