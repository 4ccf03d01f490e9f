#pragma once

#include <conductor/codec.hpp>
#include <conductor/storage/storage.hpp>

#include <utility>

#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/definition_cache.hpp"
#include "storage/sqlite/row_cache.hpp"
#include "storage/sqlite/snapshot_cache.hpp"

/// The stores of a SQLite transaction. Each runs its statements on the transaction's connection,
/// which the transaction opened with BEGIN; none of them commits.
namespace conductor::detail {

/// The connection a transaction runs on. It is cleared when the transaction ends, so a store used
/// after commit fails with StorageError instead of writing outside any transaction.
class ActiveConnection {
 public:
  Connection& get() const;
  void set(Connection* connection) { connection_ = connection; }
  /// Ends access; returns the connection, or nullptr when access had already ended.
  Connection* release() { return std::exchange(connection_, nullptr); }

 private:
  Connection* connection_ = nullptr;
};

/// Decodes the kStorage JSON in column 0 of the statement's first row, if any.
template <class T>
std::optional<T> decode_row(ScopedStatement statement) {
  if (!statement->step()) {
    return std::nullopt;
  }
  return decode<T>(statement->text(0), JsonMode::kStorage);
}

/// Decodes the kStorage JSON in column 0 of every row.
template <class T>
std::vector<T> decode_rows(ScopedStatement statement) {
  std::vector<T> result;
  while (statement->step()) {
    result.push_back(decode<T>(statement->text(0), JsonMode::kStorage));
  }
  return result;
}

class SqliteMetadataStore final : public MetadataStore {
 public:
  SqliteMetadataStore(const ActiveConnection& db, DefinitionCache& cache) : db_(db), cache_(cache) {}

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

/// What the execution stores of one storage share: parsed snapshots and recently written task rows.
struct ExecutionCaches {
  SnapshotCache<WorkflowDef> definitions;
  SnapshotCache<WorkflowTask> nodes;
  RowCache<Task> tasks;
};

class SqliteExecutionStore final : public ExecutionStore {
 public:
  SqliteExecutionStore(const ActiveConnection& db, ExecutionCaches& caches) : db_(db), caches_(caches) {}

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

 private:
  /// Binds a workflow row's parameters, storing its definition snapshot first if it is new.
  template <class... Extra>
  ScopedStatement bind_workflow(std::string_view sql, const Workflow& workflow, const Extra&... extra);
  /// Binds a task row's parameters, storing its node snapshot first if it is new.
  ScopedStatement bind_task(std::string_view sql, const Task& task);
  /// The task in a row whose columns are (json, node_id, task_id).
  Task task_row(const Statement& row);
  std::vector<Task> task_rows(ScopedStatement statement);
  /// The workflow in a row whose columns are (json, snapshot_id).
  Workflow workflow_row(const Statement& row);
  std::optional<Workflow> workflow_rows_first(ScopedStatement statement);
  std::vector<Workflow> workflow_rows(ScopedStatement statement);

  const ActiveConnection& db_;
  ExecutionCaches& caches_;
  std::vector<std::int64_t> used_nodes_;
  std::vector<std::int64_t> used_definitions_;
};

class SqliteQueueStore final : public QueueStore {
 public:
  explicit SqliteQueueStore(const ActiveConnection& db) : db_(db) {}

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

 private:
  /// The highest priority in the queue below `below`, if any.
  std::optional<int> next_priority(std::string_view queue, std::int64_t below);
  /// Up to `count` visible messages in delivery order, left as they are.
  std::vector<std::string> visible(std::string_view queue, int count, std::int64_t now_ms);

  const ActiveConnection& db_;
};

class SqliteIndexStore final : public IndexStore {
 public:
  explicit SqliteIndexStore(const ActiveConnection& db) : db_(db) {}

  void index_workflow(const WorkflowSummary& summary) override;
  void index_task(const TaskSummary& summary) override;
  void remove_workflow(std::string_view workflow_id) override;
  SearchResult<WorkflowSummary> search_workflows(const SearchQuery& query) override;
  SearchResult<TaskSummary> search_tasks(const SearchQuery& query) override;
  void flush_free_text() override;

 private:
  const ActiveConnection& db_;
};

class SqliteEventStore final : public EventStore {
 public:
  explicit SqliteEventStore(const ActiveConnection& db) : db_(db) {}

  bool put_message(std::string_view key, const EventMessage& message) override;
  std::optional<EventMessage> find_message(std::string_view key) override;
  bool remove_message(std::string_view key) override;
  bool add_execution(const EventExecution& execution) override;
  std::vector<EventExecution> executions(std::string_view handler_name, std::string_view event,
                                         std::optional<std::string_view> message_id, int max) override;

 private:
  const ActiveConnection& db_;
};

}  // namespace conductor::detail
