#pragma once

#include <conductor/storage/storage.hpp>

#include <atomic>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "storage/postgres/connection.hpp"
#include "storage/sqlite/definition_cache.hpp"
#include "storage/sqlite/snapshot_cache.hpp"

/// The four stores of a PostgreSQL transaction. Each runs its statements on the transaction's
/// pooled connection, inside the BEGIN the transaction issued; none of them commits.
namespace conductor::detail::pg {

/// The connection a transaction runs on, cleared when the transaction ends so that a store used
/// after commit fails with StorageError instead of writing outside any transaction.
class ActiveConnection {
 public:
  Connection& get() const;
  void set(Connection* connection, bool write) {
    connection_ = connection;
    write_ = write;
  }
  /// A write transaction: reads that a commit relies on lock what they read.
  bool write() const { return write_; }
  Connection* release() { return std::exchange(connection_, nullptr); }

  /// Queues this transaction pushed to; their pollers in every process are notified at commit.
  std::set<std::string>& pushed() { return pushed_; }
  /// Versions of workflow rows that cannot change for the rest of this transaction, as they stand
  /// in it: rows a write transaction locked (see take_tasks), rows a read transaction read in its
  /// snapshot.
  std::unordered_map<std::string, std::int64_t>& known_versions() { return known_versions_; }
  /// Workflows and tasks this transaction wrote a row of: searches derive their summaries from the
  /// rows (see workflow_search and task_search).
  std::unordered_set<std::string>& stored_workflows() { return stored_workflows_; }
  std::unordered_set<std::string>& stored_tasks() { return stored_tasks_; }
  /// Workflows whose summaries this transaction removed: removing their rows keeps none.
  std::unordered_set<std::string>& removed_summaries() { return removed_summaries_; }

 private:
  Connection* connection_ = nullptr;
  bool write_ = false;
  std::set<std::string> pushed_;
  std::unordered_map<std::string, std::int64_t> known_versions_;
  std::unordered_set<std::string> stored_workflows_;
  std::unordered_set<std::string> stored_tasks_;
  std::unordered_set<std::string> removed_summaries_;
};

/// Keeps `summary` in workflow_index or task_index, where searches find the summaries of workflows
/// and tasks without a row (a workflow archived, or a summary indexed for nothing stored); `doc` is
/// its place in the unsorted order, the next one when not given.
void keep_workflow_summary(const ActiveConnection& db, const WorkflowSummary& summary,
                           std::optional<std::int64_t> doc);
void keep_task_summary(const ActiveConnection& db, const TaskSummary& summary, std::optional<std::int64_t> doc);

class PgMetadataStore final : public MetadataStore {
 public:
  PgMetadataStore(const ActiveConnection& db, DefinitionCache& cache) : db_(db), cache_(cache) {}

  void put_task_def(const TaskDef& def) override;
  std::optional<TaskDef> find_task_def(std::string_view name) override;
  std::vector<TaskDef> list_task_defs() override;
  bool remove_task_def(std::string_view name) override;

  void put_workflow_def(const WorkflowDef& def) override;
  std::optional<WorkflowDef> find_workflow_def(std::string_view name, std::optional<int> version) override;
  std::vector<WorkflowDef> list_workflow_defs() override;
  bool remove_workflow_def(std::string_view name, int version) override;

  void put_event_handler(const EventHandler& handler) override;
  std::optional<EventHandler> find_event_handler(std::string_view name) override;
  std::vector<EventHandler> list_event_handlers() override;
  bool remove_event_handler(std::string_view name) override;

 private:
  /// The metadata version this transaction sees, read once and again after its own writes.
  std::int64_t version();

  const ActiveConnection& db_;
  DefinitionCache& cache_;
  std::optional<std::int64_t> version_;
};

/// Parsed snapshots shared by the execution stores of one storage, and what its polls met.
struct ExecutionCaches {
  SnapshotCache<WorkflowDef> definitions;
  SnapshotCache<WorkflowTask> nodes;
  /// Polls so far, and the count below which a poll sends workflows along (see take_tasks).
  std::atomic<std::int64_t> takes{0};
  std::atomic<std::int64_t> send_until{0};
};

class PgExecutionStore final : public ExecutionStore {
 public:
  /// `writer` tells this storage's writes of workflow rows apart from other storages' (processes').
  PgExecutionStore(ActiveConnection& db, ExecutionCaches& caches, std::int64_t writer)
      : db_(db), caches_(caches), writer_(writer) {}

  /// Transaction::take_tasks in one statement, which also locks the tasks' workflow rows: until the
  /// commit their versions are known here, so advancing one needs no answer from the server. Once a
  /// poll has met a workflow another storage wrote last, the polls after it send such workflows
  /// along for a while: their writer's cache holds them, this process's likely not.
  TakenTasks take_tasks(std::string_view queue, int count, std::int64_t now_ms, std::string_view sweep_queue);

  std::int64_t insert_workflow(const Workflow& workflow) override;
  void update_workflow(const Workflow& workflow) override;
  void update_workflow_if(const Workflow& workflow, std::int64_t expected) override;
  void advance_version_if(std::string_view workflow_id, std::int64_t expected) override;
  std::optional<std::int64_t> advance_version(std::string_view workflow_id) override;
  std::optional<std::int64_t> workflow_version(std::string_view workflow_id) override;
  std::optional<Workflow> find_workflow(std::string_view workflow_id, bool include_tasks) override;
  bool remove_workflow(std::string_view workflow_id) override;
  std::vector<std::string> running_workflow_ids(std::string_view name, std::optional<int> version) override;
  std::vector<std::string> ended_workflow_ids(const EndedWorkflowQuery& query) override;
  std::vector<Workflow> workflows_by_correlation_id(std::string_view name, std::string_view correlation_id,
                                                    bool include_closed) override;
  std::optional<Workflow> find_workflow_by_idempotency_key(std::string_view name, std::string_view key) override;

  void insert_task(const Task& task) override;
  void update_task(const Task& task) override;
  std::optional<std::int64_t> hand_out(const Task& task) override;
  std::optional<Task> find_task(std::string_view task_id) override;
  bool remove_task(std::string_view task_id) override;
  std::vector<Task> tasks_of(std::string_view workflow_id) override;
  std::vector<std::string> in_progress_task_ids(std::string_view task_def_name, int limit) override;
  std::vector<Task> pending_tasks_of_type(std::string_view task_type) override;

  void add_task_logs(const std::vector<TaskExecLog>& logs) override;
  std::vector<TaskExecLog> task_logs(std::string_view task_id) override;

  void put_poll_data(const PollData& data) override;
  std::optional<PollData> find_poll_data(std::string_view queue_name, std::optional<std::string_view> domain) override;
  std::vector<PollData> poll_data(std::string_view queue_name) override;

  bool try_admit_rate(std::string_view key, std::int64_t now_ms, std::int64_t window_ms, int limit) override;

  /// The transaction committed: the snapshots it stored or relied on are known to exist.
  void committed();

  /// The workflow of `row`, whose columns from `column` on are (json, snapshot_id).
  Workflow workflow_row(const Result& rows, int row, int column);

 private:
  /// Sends a write of a workflow row with `sql`, whose parameters are the row's columns then `extra`.
  template <class... Extra>
  void write_workflow(std::string_view sql, const Workflow& workflow, const Extra&... extra);
  /// `extra`: parameters of `sql` after the task's fifteen.
  template <class... Extra>
  void write_task(std::string_view sql, const Task& task, const Extra&... extra);
  /// The task of `row`, whose columns from `column` on are (json, node_id).
  Task task_row(const Result& rows, int row, int column);
  std::vector<Task> task_rows(const Result& rows);
  std::vector<Workflow> workflow_rows(const Result& rows);

  /// Keeps the summaries of the rows `sql` selects by $1 = `id` before they are removed: they stay
  /// searchable until the workflow's summaries are removed. Each row is (0, json, snapshot_id, doc)
  /// for a workflow, (1, json, anything, doc) for a task.
  void keep_summaries(std::string_view sql, std::string_view id);
  /// A write of the workflow row that moves its version by other means than advance_version.
  void forget_version(std::string_view workflow_id);

  ActiveConnection& db_;
  ExecutionCaches& caches_;
  const std::int64_t writer_;
  std::vector<std::int64_t> used_nodes_;
  std::vector<std::int64_t> used_definitions_;
};

/// The start of a statement that takes up to $3 messages of queue $1 visible at $2 (epoch ms): a
/// CTE `taken` of their (message_id, priority, visible_at, seq), which the rest of the statement
/// orders as pop does. Rows locked by another transaction are skipped, never waited for.
inline constexpr std::string_view kTakeMessages =
    "WITH picked AS (SELECT seq FROM queue_messages WHERE queue = $1 AND visible_at <= $2 "
    "  ORDER BY priority DESC, visible_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED), "
    "taken AS (DELETE FROM queue_messages m USING picked WHERE m.seq = picked.seq "
    "  RETURNING m.message_id, m.priority, m.visible_at, m.seq) ";

class PgQueueStore final : public QueueStore {
 public:
  explicit PgQueueStore(ActiveConnection& db) : db_(db) {}

  void push(std::string_view queue, std::string_view id, int priority, std::int64_t visible_at) override;
  bool push_if_absent(std::string_view queue, std::string_view id, int priority, std::int64_t visible_at) override;
  std::vector<std::string> pop(std::string_view queue, int count, std::int64_t now_ms, std::int64_t unack_ms) override;
  std::vector<std::string> take(std::string_view queue, int count, std::int64_t now_ms) override;
  void remove(std::string_view queue, std::string_view id) override;
  void set_visible_at(std::string_view queue, std::string_view id, std::int64_t visible_at) override;
  void set_visible_at_if_earlier(std::string_view queue, std::string_view id, std::int64_t visible_at) override;
  bool contains(std::string_view queue, std::string_view id) override;
  std::int64_t size(std::string_view queue) override;
  std::map<std::string, QueueCounts> all_sizes() override;
  void flush(std::string_view queue) override;
  std::optional<std::int64_t> next_visible_at(std::string_view queue) override;
  std::map<std::string, std::int64_t, std::less<>> next_visible_times(const std::vector<std::string>& queues) override;

 private:
  ActiveConnection& db_;
};

class PgIndexStore final : public IndexStore {
 public:
  /// `execution` rebuilds the stored workflows searches find.
  PgIndexStore(ActiveConnection& db, PgExecutionStore& execution) : db_(db), execution_(execution) {}

  void index_workflow(const WorkflowSummary& summary) override;
  void index_task(const TaskSummary& summary) override;
  /// Searches read stored rows (see workflow_search and task_search).
  bool summarizes_stored_rows() const override { return true; }
  void remove_workflow(std::string_view workflow_id) override;
  SearchResult<WorkflowSummary> search_workflows(const SearchQuery& query) override;
  SearchResult<TaskSummary> search_tasks(const SearchQuery& query) override;
  /// Free text reads the summaries' columns directly: nothing to bring up to date.
  void flush_free_text() override {}

 private:
  ActiveConnection& db_;
  PgExecutionStore& execution_;
};

class PgEventStore final : public EventStore {
 public:
  explicit PgEventStore(const ActiveConnection& db) : db_(db) {}

  bool put_message(std::string_view key, const EventMessage& message) override;
  std::optional<EventMessage> find_message(std::string_view key) override;
  bool remove_message(std::string_view key) override;
  bool add_execution(const EventExecution& execution) override;
  std::vector<EventExecution> executions(std::string_view handler_name, std::string_view event,
                                         std::optional<std::string_view> message_id, int max) override;

 private:
  const ActiveConnection& db_;
};

}  // namespace conductor::detail::pg
