#pragma once

#include <conductor/clock.hpp>
#include <conductor/error.hpp>
#include <conductor/storage/storage.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "executor/known_messages.hpp"
#include "storage/transient_conflict.hpp"

namespace conductor::detail {

class EngineCore;

/// A workflow changed between the moment a change read it and the moment the change was written
/// (another thread or another process got there first). Nothing was written; the change is computed
/// again from fresh state. Retryable, so a caller that sees it after the last attempt may try again.
class VersionConflict : public TransientConflict {
 public:
  using TransientConflict::TransientConflict;
};

/// What must happen once a write transaction has committed, and only then: waking pollers and the
/// sweeper, telling listeners, refreshing the workflow cache.
class AfterCommit {
 public:
  explicit AfterCommit(EngineCore& core) : core_(core) {}
  AfterCommit(const AfterCommit&) = delete;
  AfterCommit& operator=(const AfterCommit&) = delete;
  /// Puts back the pollers reserved for a transaction that did not commit.
  ~AfterCommit();
  /// A message was pushed to `queue`: its pollers are woken after the commit. Messages due now on
  /// the queues the sweeper serves wake it too.
  void pushed(std::string_view queue, std::string_view id, std::int64_t delay_ms);
  /// The message `id` of `queue` was handed out by the same transaction: nobody needs waking for it.
  void taken(std::string_view queue, std::string_view id);
  void run(std::function<void()> action) { actions_.push_back(std::move(action)); }
  /// Just before `tx` commits, on a storage other processes share: reserves a parked poll of this
  /// process for each message due now, and tells `tx` not to announce a queue whose messages all
  /// have one, so that no other process's poll wakes only to find them taken.
  void reserve_pollers(Transaction& tx);
  /// Runs everything, in order. Call once, after the commit succeeded.
  void done();

 private:
  struct Push {
    std::string queue;
    std::string id;
    bool due = false;
    std::optional<std::uint64_t> poller;  // reserved for it
  };

  EngineCore& core_;
  std::vector<Push> pushed_;
  bool wake_sweeper_ = false;
  std::vector<std::function<void()>> actions_;
};

/// One state change of the engine, computed outside the storage writer and written in one short
/// write transaction.
///
/// Reads see the last committed state (running workflows from the workflow cache) with this change's
/// own writes laid over it. Writes are recorded, and coalesced per workflow and per task, so a row
/// changed twice is written once. commit() opens the write transaction, checks that every workflow the
/// change read and writes is still at the version it read, writes, and commits; when a version moved
/// it throws VersionConflict having written nothing, and run_change computes the change again.
/// Not thread-safe: one thread computes a change.
class Change {
 public:
  /// `locked`: the workflow whose lock in this process the change holds, if any.
  explicit Change(EngineCore& core, std::string_view locked = {});
  Change(const Change&) = delete;
  Change& operator=(const Change&) = delete;

  EngineCore& core() { return core_; }
  EpochMillis now() const { return now_; }

  // Reads.
  /// The workflow as this change sees it; its version is recorded for the commit's check.
  std::optional<Workflow> find_workflow(std::string_view workflow_id, bool include_tasks);
  /// Likewise with its tasks; NotFoundError when absent.
  Workflow load(std::string_view workflow_id);
  /// The task as this change sees it; its workflow's version is recorded.
  std::optional<Task> find_task(std::string_view task_id);
  /// Runs `read` in a read transaction of its own (definitions, poll data, queue lookups).
  template <class F>
  auto read(F&& read) {
    auto tx = storage().begin(TransactionMode::kRead);
    return read(*tx);
  }

  std::optional<TaskDef> find_task_def(std::string_view name);
  bool queued(std::string_view queue, std::string_view id);

  // Writes, applied by commit().
  void insert_workflow(const Workflow& workflow);
  /// Stages the workflow's row; `workflow.tasks` must be its tasks as this change leaves them.
  void update_workflow(const Workflow& workflow);
  void remove_workflow(std::string_view workflow_id);
  void insert_task(const Task& task);
  void update_task(const Task& task);
  void remove_task(const Task& task);
  /// Any other write (queues, logs, poll data, search index), applied in order after the rows.
  void write(std::function<void(Transaction&)> write) { writes_.push_back(std::move(write)); }
  /// Pushes (upserts) the task's message to `queue`, visible after `delay_ms`, and wakes the queue's
  /// pollers on commit.
  void push_task(std::string_view queue, const Task& task, std::int64_t delay_ms);
  /// Pushes (upserts) the workflow's decider message, due after `delay_ms`.
  void push_sweep(std::string_view workflow_id, int priority, std::int64_t delay_ms);
  /// Removes the message; a task's message known to be gone already (KnownMessages) is left alone.
  void remove_message(std::string_view queue, std::string_view id);
  void set_visible_at(std::string_view queue, std::string_view id, std::int64_t visible_at);
  /// Moves the workflow's decider message, if any, to `visible_at` when that is earlier; writes
  /// nothing when it is known to be due by then already.
  void bring_sweep_forward(std::string_view workflow_id, std::int64_t visible_at);
  /// Makes an existing message visible now, and wakes the queue's pollers on commit.
  void make_visible(std::string_view queue, std::string_view id);
  /// Pushes the workflow's decider message, due at `visible_at`, unless it has one.
  void push_sweep_if_absent(std::string_view workflow_id, int priority, std::int64_t visible_at);
  /// Indexes the summary of a workflow or task this change writes, unless the storage derives it
  /// from the row (IndexStore::summarizes_stored_rows).
  void index_workflow(const Workflow& workflow);
  void index_task(const Task& task);
  /// A worker reporting a result through update-and-poll, waiting for the next task of `queue`.
  /// Scheduling hands it the first task this change schedules there, due now, instead of queueing it.
  struct Offer {
    std::string queue;
    std::string worker_id;
    std::optional<std::string> taken;  ///< the id of the task handed out
  };
  std::optional<Offer>& offer() { return offer_; }
  /// Runs under the writer after this change's writes, in the same transaction (a poll that may hand
  /// out a task this change scheduled).
  void then_in_writer(std::function<void(Transaction&, AfterCommit&)> step) { then_ = std::move(step); }

  /// Marks the workflow as one whose next sweep this change times: it sweeps it, or pushes its
  /// decider message. Other changes only bring that time forward (see WorkflowOps::postpone_decider).
  void time_sweep(std::string_view workflow_id) { sweep_timed_.emplace(workflow_id); }
  bool times_sweep(const std::string& workflow_id) const { return sweep_timed_.contains(workflow_id); }

  void mark_dirty(std::string_view task_id) { dirty_.emplace(task_id); }
  /// Returns whether the task was marked, and clears the mark.
  bool take_dirty(const std::string& task_id) { return dirty_.erase(task_id) != 0; }
  /// Runs after a successful commit, in order.
  void after_commit(std::function<void()> action) { after_.run(std::move(action)); }

  /// Writes everything in one transaction. Throws VersionConflict (nothing written) when a workflow
  /// moved since this change read it, and what the storage throws.
  void commit();

 private:
  /// A workflow this change read or writes.
  struct Staged {
    std::optional<std::int64_t> version;  ///< as read; none when never read
    std::optional<Workflow> row;          ///< the row to write, with its tasks as staged then
    bool inserted = false;
    bool removed = false;
    bool tasks_written = false;
    /// A message of the workflow or of one of its tasks was pushed or re-timed: its version moves, so
    /// that no process goes on trusting what it knew of them (KnownMessages).
    bool queue_written = false;
    bool cached = false;  ///< read from the workflow cache, not from storage
    KnownMessages messages;  ///< as read from the cache, with this change's writes applied
  };
  struct TaskWrite {
    std::string workflow_id;
    std::optional<Task> task;  ///< none: removed
    bool inserted = false;
  };
  /// A message this change pushes. Until another write of the same message, a visibility change of
  /// it changes the push instead of writing again (a start pushes its decider message, then times it).
  struct Push {
    std::string queue;
    std::string id;
    int priority = 0;
    std::int64_t visible_at = 0;
    bool open = true;
  };

  Storage& storage();
  Staged& staged(std::string_view workflow_id);
  /// A conflict on `workflow_id`, whose cached state is dropped.
  VersionConflict conflict(std::string_view workflow_id);
  /// Records the version a read saw; a second read that sees another one means a conflict already.
  void saw(std::string_view workflow_id, std::int64_t version);
  /// The staged task writes of a workflow laid over `workflow.tasks`; `consume` moves them there
  /// (for a change done with them).
  void overlay_tasks(Workflow& workflow, bool consume = false);
  void stage_task(const Task& task, bool inserted, bool removed);
  void push(std::string_view queue, std::string_view id, int priority, std::int64_t delay_ms);
  /// The open push of the message, if any.
  Push* open_push(std::string_view queue, std::string_view id);
  /// A write of the message other than a visibility change: no earlier push of it stays open.
  void close_pushes(std::string_view queue, std::string_view id);
  /// Hands the committed state of each written workflow (at `versions`) to the cache; the staged rows
  /// and tasks are moved out.
  void refresh_cache(const std::unordered_map<std::string, std::int64_t>& versions);

  EngineCore& core_;
  EpochMillis now_;
  std::string locked_;
  std::unordered_map<std::string, Staged> workflows_;
  std::vector<std::string> workflow_order_;
  std::vector<std::string> task_order_;
  std::unordered_map<std::string, TaskWrite> tasks_;
  std::vector<std::function<void(Transaction&)>> writes_;
  std::deque<Push> pushes_;  ///< a deque: writes_ refer to its elements
  std::function<void(Transaction&, AfterCommit&)> then_;
  std::optional<Offer> offer_;
  std::unordered_set<std::string> dirty_;
  std::unordered_set<std::string> sweep_timed_;
  AfterCommit after_;
};

/// How many times a change is computed before a run of version conflicts is reported as
/// UnavailableError.
inline constexpr int kMaxChangeAttempts = 50;

/// Computes `compute(change)` and commits it, computing again from fresh state after a version
/// conflict. Holds this process's lock of `workflow_id` (when not empty) throughout, so the changes of
/// one workflow in one process take turns instead of conflicting.
void run_change_once_committed(EngineCore& core, std::string_view workflow_id,
                               const std::function<void(Change&)>& compute);

/// run_change_once_committed, returning what `compute` returns.
template <class F>
auto run_change(EngineCore& core, std::string_view workflow_id, F&& compute) {
  using Result = decltype(compute(std::declval<Change&>()));
  if constexpr (std::is_void_v<Result>) {
    run_change_once_committed(core, workflow_id, compute);
  } else {
    std::optional<Result> result;
    run_change_once_committed(core, workflow_id, [&](Change& change) { result.emplace(compute(change)); });
    return std::move(*result);
  }
}

/// Runs `step` in a write transaction of its own and commits it: for what must happen under the
/// writer, such as handing out queue messages exactly once.
void run_in_writer_once(EngineCore& core, const std::function<void(Transaction&, AfterCommit&)>& step);

template <class F>
auto run_in_writer(EngineCore& core, F&& step) {
  using Result = decltype(step(std::declval<Transaction&>(), std::declval<AfterCommit&>()));
  if constexpr (std::is_void_v<Result>) {
    run_in_writer_once(core, step);
  } else {
    std::optional<Result> result;
    run_in_writer_once(core, [&](Transaction& tx, AfterCommit& after) { result.emplace(step(tx, after)); });
    return std::move(*result);
  }
}

}  // namespace conductor::detail
