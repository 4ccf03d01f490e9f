#pragma once

#include <conductor/error.hpp>
#include <conductor/export.hpp>
#include <conductor/model.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Storage interfaces. A backend implements `Storage`; everything the engine persists goes through a
/// `Transaction`, whose stores follow Conductor's DAO split. One state change is one
/// transaction: it commits all of its writes or none.
///
/// Times are always passed in by the caller (from the engine's Clock); backends never read a clock.
namespace conductor {

/// A conditional write found the stored state moved on from what the caller read: a workflow's
/// version is not the expected one, the workflow is gone, or it holds a task with the same
/// reference name and retry count already. The transaction must not commit; the engine computes
/// its change again from fresh state.
class CONDUCTOR_EXPORT StaleVersionError : public UnavailableError {
 public:
  explicit StaleVersionError(const std::string& message) : UnavailableError(message) {}
};

/// Task and workflow definitions, and event handlers.
class CONDUCTOR_EXPORT MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  /// Inserts or replaces the definition with this name.
  virtual void put_task_def(const TaskDef& def) = 0;
  virtual std::optional<TaskDef> find_task_def(std::string_view name) = 0;
  /// All task definitions, ordered by name.
  virtual std::vector<TaskDef> list_task_defs() = 0;
  /// True when a definition was removed.
  virtual bool remove_task_def(std::string_view name) = 0;

  /// Inserts or replaces the definition with this name and version.
  virtual void put_workflow_def(const WorkflowDef& def) = 0;
  /// The given version, or the highest version when `version` is nullopt.
  virtual std::optional<WorkflowDef> find_workflow_def(std::string_view name, std::optional<int> version) = 0;
  /// Every version of every workflow definition, ordered by name then version.
  virtual std::vector<WorkflowDef> list_workflow_defs() = 0;
  virtual bool remove_workflow_def(std::string_view name, int version) = 0;

  virtual void put_event_handler(const EventHandler& handler) = 0;
  virtual std::optional<EventHandler> find_event_handler(std::string_view name) = 0;
  /// Ordered by name.
  virtual std::vector<EventHandler> list_event_handlers() = 0;
  virtual bool remove_event_handler(std::string_view name) = 0;
};

/// Which ended workflows the retention sweep removes next (ExecutionStore::ended_workflow_ids).
struct EndedWorkflowQuery {
  /// Only workflows whose end_time is before this (epoch milliseconds).
  std::int64_t ended_before = 0;
  /// Only workflows of this definition, when set.
  std::optional<std::string> name;
  /// No workflows of these definitions.
  std::vector<std::string> except_names;
  int limit = 100;
};

/// Workflow and task executions, task logs and poll data.
///
/// The errors a write reports (ConflictError, NotFoundError, StaleVersionError) may come from the
/// write itself or from any later call of the same transaction, commit() included: a backend may
/// send writes ahead without waiting for their answers. A transaction that threw commits nothing.
class CONDUCTOR_EXPORT ExecutionStore {
 public:
  virtual ~ExecutionStore() = default;

  /// Stores the workflow row (its `tasks` are ignored; tasks are stored one by one) and returns the
  /// version of the stored state: a random number, so that a workflow removed and stored again under
  /// the same id never repeats a version. Throws ConflictError when the id exists, or when
  /// `idempotency_key` is set and another workflow of the same name already holds it.
  virtual std::int64_t insert_workflow(const Workflow& workflow) = 0;
  /// Replaces the workflow row (not its tasks) and advances its version. Throws NotFoundError when it
  /// does not exist.
  virtual void update_workflow(const Workflow& workflow) = 0;
  /// Replaces the workflow row and advances its version. Throws StaleVersionError when the stored
  /// version is not `expected`, or when the workflow does not exist.
  virtual void update_workflow_if(const Workflow& workflow, std::int64_t expected) = 0;
  /// Advances the version of a workflow whose tasks changed; throws StaleVersionError as above.
  virtual void advance_version_if(std::string_view workflow_id, std::int64_t expected) = 0;
  /// Advances the version unconditionally; the new version, or nothing when the workflow does not exist.
  virtual std::optional<std::int64_t> advance_version(std::string_view workflow_id) = 0;
  /// The version of the stored state. Every committed change to the workflow row or to any of its
  /// tasks advances it (the engine advances it for task changes), so equal versions mean equal state.
  virtual std::optional<std::int64_t> workflow_version(std::string_view workflow_id) = 0;
  /// The workflow, with its tasks ordered by seq when `include_tasks`.
  virtual std::optional<Workflow> find_workflow(std::string_view workflow_id, bool include_tasks) = 0;
  /// Removes the workflow with its tasks and their logs. True when it existed.
  virtual bool remove_workflow(std::string_view workflow_id) = 0;

  /// Ids of workflows with this name (and version, if given) whose status is RUNNING or PAUSED.
  virtual std::vector<std::string> running_workflow_ids(std::string_view name, std::optional<int> version) = 0;
  /// Workflows with this name and correlation id, newest first; without tasks.
  virtual std::vector<Workflow> workflows_by_correlation_id(std::string_view name, std::string_view correlation_id,
                                                            bool include_closed) = 0;
  /// Ids of ended workflows (COMPLETED, FAILED, TIMED_OUT, TERMINATED) matching `query`, earliest end
  /// first, leaving out sub-workflows whose parent is still stored (they go once their parent has).
  virtual std::vector<std::string> ended_workflow_ids(const EndedWorkflowQuery& query) = 0;
  /// The workflow of this name holding this idempotency key, if any; without tasks.
  virtual std::optional<Workflow> find_workflow_by_idempotency_key(std::string_view name, std::string_view key) = 0;

  /// Stores a new task. Throws StaleVersionError when the workflow already has a task with the same
  /// reference name and retry count (Conductor's dedup key), ConflictError when the task id exists.
  virtual void insert_task(const Task& task) = 0;
  /// Replaces a stored task. Throws NotFoundError when it does not exist.
  virtual void update_task(const Task& task) = 0;
  /// Replaces a task a poll hands out and advances its workflow's version: update_task, then
  /// advance_version, which a backend may send as one statement.
  virtual std::optional<std::int64_t> hand_out(const Task& task) {
    update_task(task);
    return advance_version(task.workflow_instance_id);
  }
  virtual std::optional<Task> find_task(std::string_view task_id) = 0;
  virtual bool remove_task(std::string_view task_id) = 0;
  /// Tasks of a workflow ordered by seq.
  virtual std::vector<Task> tasks_of(std::string_view workflow_id) = 0;
  /// Ids of IN_PROGRESS tasks with this task definition name, oldest start first, at most `limit`.
  virtual std::vector<std::string> in_progress_task_ids(std::string_view task_def_name, int limit) = 0;
  /// Non-terminal tasks whose task_type is `task_type` (any domain).
  virtual std::vector<Task> pending_tasks_of_type(std::string_view task_type) = 0;

  virtual void add_task_logs(const std::vector<TaskExecLog>& logs) = 0;
  /// Ordered by creation time.
  virtual std::vector<TaskExecLog> task_logs(std::string_view task_id) = 0;

  /// Overwrites the record for (queue_name, domain).
  virtual void put_poll_data(const PollData& data) = 0;
  virtual std::optional<PollData> find_poll_data(std::string_view queue_name, std::optional<std::string_view> domain) = 0;
  /// Every record for this task type; all records when `queue_name` is empty.
  virtual std::vector<PollData> poll_data(std::string_view queue_name) = 0;

  /// Sliding-window rate limit: drops admissions of `key` older than `now_ms - window_ms`; when fewer
  /// than `limit` remain, records one at `now_ms` and returns true.
  virtual bool try_admit_rate(std::string_view key, std::int64_t now_ms, std::int64_t window_ms, int limit) = 0;
};

/// Message queues holding ids with a priority and a visibility time (Conductor's QueueDAO).
/// A message is visible when `visible_at <= now`; popping it makes it in flight until
/// `now + unack_ms`, after which it is delivered again unless acknowledged or re-timed.
class CONDUCTOR_EXPORT QueueStore {
 public:
  virtual ~QueueStore() = default;

  /// Upsert: a message already in the queue keeps its priority, becomes un-popped and visible at
  /// `visible_at`.
  virtual void push(std::string_view queue, std::string_view id, int priority, std::int64_t visible_at) = 0;
  /// Pushes only when absent (popped or not). True when pushed.
  virtual bool push_if_absent(std::string_view queue, std::string_view id, int priority, std::int64_t visible_at) = 0;
  /// Up to `count` visible messages, highest priority first, then earliest visibility, then insertion
  /// order. They become in flight until `now_ms + unack_ms`.
  virtual std::vector<std::string> pop(std::string_view queue, int count, std::int64_t now_ms, std::int64_t unack_ms) = 0;
  /// The messages pop would give, deleted instead of put in flight: for a hand-out whose redelivery
  /// is tracked elsewhere (a polled task comes back through its response timeout).
  virtual std::vector<std::string> take(std::string_view queue, int count, std::int64_t now_ms) = 0;
  /// Deletes the message, if there is one.
  virtual void remove(std::string_view queue, std::string_view id) = 0;
  /// Sets the message's next visibility; nothing happens when there is no such message.
  virtual void set_visible_at(std::string_view queue, std::string_view id, std::int64_t visible_at) = 0;
  /// Same, only if that makes delivery earlier.
  virtual void set_visible_at_if_earlier(std::string_view queue, std::string_view id, std::int64_t visible_at) = 0;
  /// Whether the message is there. In a write transaction the answer holds until it commits: no
  /// other transaction removes the message meanwhile.
  virtual bool contains(std::string_view queue, std::string_view id) = 0;
  /// Number of messages, including delayed and in-flight ones.
  virtual std::int64_t size(std::string_view queue) = 0;
  /// Per queue: messages not in flight, and messages in flight.
  virtual std::map<std::string, QueueCounts> all_sizes() = 0;
  /// Deletes every message of the queue.
  virtual void flush(std::string_view queue) = 0;
  /// The earliest `visible_at` in the queue, if any message exists (for timers).
  virtual std::optional<std::int64_t> next_visible_at(std::string_view queue) = 0;
  /// next_visible_at of each of `queues` that holds a message, read at once: a sweeper looks at all
  /// its queues first and pops only those with a message due. The default reads queue by queue.
  virtual std::map<std::string, std::int64_t, std::less<>> next_visible_times(const std::vector<std::string>& queues);
};

/// The search index: summaries written on every persist, queried with Conductor's grammar.
class CONDUCTOR_EXPORT IndexStore {
 public:
  virtual ~IndexStore() = default;
  virtual void index_workflow(const WorkflowSummary& summary) = 0;
  virtual void index_task(const TaskSummary& summary) = 0;
  /// Whether the summary of a workflow or task row this transaction writes is derived from the row
  /// when searched, so that index_workflow and index_task are not needed for it. The engine then
  /// neither builds nor passes those summaries. The default: every row written is indexed.
  virtual bool summarizes_stored_rows() const { return false; }
  /// Removes the workflow's summary and the summaries of its tasks.
  virtual void remove_workflow(std::string_view workflow_id) = 0;
  /// Throws ValidationError when the query does not parse. Free text matches the summaries as of the
  /// last flush_free_text(); the other conditions match every summary written.
  virtual SearchResult<WorkflowSummary> search_workflows(const SearchQuery& query) = 0;
  virtual SearchResult<TaskSummary> search_tasks(const SearchQuery& query) = 0;
  /// Brings the free-text index up to date with every summary written so far (a write). Keeping it
  /// apart from the summaries' own writes lets a backend index text in batches.
  virtual void flush_free_text() = 0;
};

/// Event messages waiting for the event processor, and what handlers did with them. Messages are
/// delivered through the QueueStore (queue `_events`, message id = the key given here), so a message
/// and its delivery are written together.
class CONDUCTOR_EXPORT EventStore {
 public:
  virtual ~EventStore() = default;
  /// Stores `message` under `key`. False, and nothing stored, when a message with the same event and
  /// message id is stored already (a publisher that delivers twice).
  virtual bool put_message(std::string_view key, const EventMessage& message) = 0;
  virtual std::optional<EventMessage> find_message(std::string_view key) = 0;
  /// True when the message existed.
  virtual bool remove_message(std::string_view key) = 0;
  /// Stores an execution record. False, and nothing stored, when the record with the same handler
  /// name, event and id exists: each action is recorded, and so applied, once.
  virtual bool add_execution(const EventExecution& execution) = 0;
  /// A handler's records for an event, of one message when `message_id` is given, ordered by
  /// creation then id, at most `max`.
  virtual std::vector<EventExecution> executions(std::string_view handler_name, std::string_view event,
                                                 std::optional<std::string_view> message_id, int max) = 0;
};

enum class TransactionMode { kRead, kWrite };

/// What Transaction::take_tasks took.
struct TakenTasks {
  /// The tasks the taken messages name, in the order taken.
  std::vector<Task> tasks;
  /// A workflow with all its tasks (ordered by seq), the version of that state, and when the message
  /// its id names in take_tasks' `sweep_queue` becomes visible (none: there is no such message), as
  /// it stood with that state.
  struct VersionedWorkflow {
    Workflow workflow;
    std::int64_t version = 0;
    std::optional<std::int64_t> sweep_at;
  };
  /// Workflows of some of the taken tasks, as they stand in the transaction (their versions are
  /// what ExecutionStore::workflow_version answers until it commits), so that the caller need not
  /// read them. Which ones is the backend's choice: those it reads at little cost that the caller is
  /// unlikely to hold, or none.
  std::vector<VersionedWorkflow> workflows;
};

/// A unit of work. Destroying it without `commit()` rolls everything back.
/// Not thread-safe: one thread uses a transaction at a time.
class CONDUCTOR_EXPORT Transaction {
 public:
  virtual ~Transaction() = default;
  virtual MetadataStore& metadata() = 0;
  virtual ExecutionStore& execution() = 0;
  virtual QueueStore& queues() = 0;
  virtual IndexStore& index() = 0;
  virtual EventStore& events() = 0;
  /// Takes (QueueStore::take) up to `count` messages of a task queue and returns the tasks they name;
  /// a message whose task is gone is taken all the same. The default takes, then reads each task,
  /// and returns no workflows; a backend may do it all at once. `sweep_queue` holds messages named
  /// by workflow ids (the engine's decider queue): workflows sent along come with theirs.
  virtual TakenTasks take_tasks(std::string_view queue, int count, std::int64_t now_ms, std::string_view sweep_queue);
  /// For a storage other processes share (RemotePushes): the messages this transaction pushed to
  /// `queue` will be taken by a poll of this process, so the commit need not announce them to the
  /// others. The default does nothing.
  virtual void skip_announcing(std::string_view queue);
  /// Makes every write durable (per the backend's sync setting) before returning. Throws
  /// UnavailableError when a retry may succeed, StorageError otherwise; either way nothing is written.
  virtual void commit() = 0;
};

/// A storage backend. Thread-safe: any thread may begin transactions; write transactions are
/// serialized by the backend. Every transaction must end before the Storage is destroyed.
class CONDUCTOR_EXPORT Storage {
 public:
  virtual ~Storage() = default;
  virtual std::unique_ptr<Transaction> begin(TransactionMode mode = TransactionMode::kWrite) = 0;
};

}  // namespace conductor
