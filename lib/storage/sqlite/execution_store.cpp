#include <conductor/error.hpp>

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <random>

#include "json/storage_rows.hpp"
#include "storage/snapshot_key.hpp"
#include "storage/sqlite/stores.hpp"

namespace conductor::detail {
namespace {

StaleVersionError stale_version(std::string_view workflow_id) {
  return StaleVersionError(fmt::format("workflow {} is not at the version read, or is gone", workflow_id));
}

// Workflow rows: the INSERT and the UPDATE take the same parameters in the same order. The json column
// holds the workflow without its definition snapshot (in definition_snapshots) and tasks.
// `version` is the definition's version; `state_version` the version of the stored state.
constexpr std::string_view kInsertWorkflow =
    "INSERT INTO workflows (name, version, status, correlation_id, idempotency_key, parent_workflow_id, "
    "create_time, update_time, end_time, snapshot_id, json, workflow_id, state_version) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kUpdateWorkflow =
    "UPDATE workflows SET name = ?, version = ?, status = ?, correlation_id = ?, idempotency_key = ?, "
    "parent_workflow_id = ?, create_time = ?, update_time = ?, end_time = ?, snapshot_id = ?, json = ?, "
    "state_version = state_version + 1 WHERE workflow_id = ?";
constexpr std::string_view kUpdateWorkflowIf =
    "UPDATE workflows SET name = ?, version = ?, status = ?, correlation_id = ?, idempotency_key = ?, "
    "parent_workflow_id = ?, create_time = ?, update_time = ?, end_time = ?, snapshot_id = ?, json = ?, "
    "state_version = state_version + 1 WHERE workflow_id = ? AND state_version = ?";

// Task rows, likewise. The json column holds the task without its node (in node_snapshots).
constexpr std::string_view kInsertTask =
    "INSERT INTO tasks (workflow_id, reference_name, retry_count, seq, status, task_type, task_def_name, "
    "start_time, node_id, json, task_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (workflow_id, reference_name, retry_count) DO NOTHING";
constexpr std::string_view kUpdateTask =
    "UPDATE tasks SET workflow_id = ?, reference_name = ?, retry_count = ?, seq = ?, status = ?, task_type = ?, "
    "task_def_name = ?, start_time = ?, node_id = ?, json = ? WHERE task_id = ?";

/// A table of snapshots: rows of (id, json) written once and never changed.
struct SnapshotTable {
  std::string_view name;
  std::string_view exists;
  std::string_view insert;
  std::string_view select;
};
constexpr SnapshotTable kDefinitionSnapshots{
    "definition", "SELECT 1 FROM definition_snapshots WHERE snapshot_id = ?",
    "INSERT INTO definition_snapshots (snapshot_id, json) VALUES (?, ?) ON CONFLICT DO NOTHING",
    "SELECT json FROM definition_snapshots WHERE snapshot_id = ?"};
constexpr SnapshotTable kNodeSnapshots{"node", "SELECT 1 FROM node_snapshots WHERE node_id = ?",
                                       "INSERT INTO node_snapshots (node_id, json) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                       "SELECT json FROM node_snapshots WHERE node_id = ?"};

/// The id of the stored snapshot equal to `value`, storing it when there is none. `used` collects
/// the ids this transaction relied on, to be known committed once it commits.
template <class T>
std::int64_t store_snapshot(Connection& db, SnapshotCache<T>& cache, const SnapshotTable& table, const Shared<T>& value,
                            std::vector<std::int64_t>& used) {
  if (auto found = cache.id_of(value)) {
    if (found->committed) return found->id;
    // Cached from a transaction that may have rolled back: trust it only if the row exists.
    if (db.query(table.exists, found->id)->step()) {
      used.push_back(found->id);
      return found->id;
    }
  }
  std::string json = encode(*value, JsonMode::kStorage);
  const std::int64_t id = snapshot_key(json);
  if (db.execute(table.insert, id, json) == 0) {
    ScopedStatement stored = db.query(table.select, id);
    if (!stored->step() || stored->text(0) != json) {
      throw StorageError(fmt::format("sqlite: {} snapshots collide on id {}", table.name, id));
    }
  }
  // Cached as read back, so a cached snapshot is exactly what a load from the row would give.
  cache.put(id, decode<T>(json, JsonMode::kStorage));
  used.push_back(id);
  return id;
}

template <class T>
Shared<T> load_snapshot(Connection& db, SnapshotCache<T>& cache, const SnapshotTable& table, std::int64_t id) {
  if (auto cached = cache.get(id)) return cached;
  ScopedStatement row = db.query(table.select, id);
  if (!row->step()) throw StorageError(fmt::format("sqlite: {} snapshot {} is missing", table.name, id));
  Shared<T> value(decode<T>(row->text(0), JsonMode::kStorage));
  cache.put(id, value);
  return value;
}

std::vector<std::string> text_rows(ScopedStatement statement) {
  std::vector<std::string> result;
  while (statement->step()) {
    result.emplace_back(statement->text(0));
  }
  return result;
}

PollData poll_data_row(const Statement& row) {
  return PollData{std::string(row.text(0)), row.optional_text(1), std::string(row.text(2)), row.int64(3)};
}

constexpr std::string_view kDefaultDomain = "DEFAULT";

}  // namespace

void SqliteExecutionStore::committed() {
  for (std::int64_t id : used_nodes_) caches_.nodes.committed(id);
  for (std::int64_t id : used_definitions_) caches_.definitions.committed(id);
  used_nodes_.clear();
  used_definitions_.clear();
}

ScopedStatement SqliteExecutionStore::bind_task(std::string_view sql, const Task& task) {
  Connection& db = db_.get();
  std::optional<std::int64_t> node_id;
  if (task.workflow_task) node_id = store_snapshot(db, caches_.nodes, kNodeSnapshots, task.workflow_task, used_nodes_);
  std::string json = task_row_json(task);
  ScopedStatement statement =
      db.query(sql, task.workflow_instance_id, task.reference_task_name, task.retry_count, task.seq,
               to_string(task.status), task.task_type, task.task_def_name, task.start_time, node_id, json, task.task_id);
  caches_.tasks.put(task.task_id, std::move(json), node_id, task);
  return statement;
}

Task SqliteExecutionStore::task_row(const Statement& row) {
  std::optional<std::int64_t> node_id;
  if (!row.is_null(1)) node_id = row.int64(1);
  if (std::optional<Task> cached = caches_.tasks.find(row.text(2), row.text(0), node_id)) return std::move(*cached);
  Task task = decode<Task>(row.text(0), JsonMode::kStorage);
  if (node_id) task.workflow_task = load_snapshot(db_.get(), caches_.nodes, kNodeSnapshots, *node_id);
  caches_.tasks.put(std::string(row.text(2)), std::string(row.text(0)), node_id, task);
  return task;
}

std::vector<Task> SqliteExecutionStore::task_rows(ScopedStatement statement) {
  std::vector<Task> result;
  while (statement->step()) result.push_back(task_row(*statement));
  return result;
}

template <class... Extra>
ScopedStatement SqliteExecutionStore::bind_workflow(std::string_view sql, const Workflow& workflow,
                                                    const Extra&... extra) {
  Connection& db = db_.get();
  const std::int64_t snapshot_id =
      store_snapshot(db, caches_.definitions, kDefinitionSnapshots, workflow.workflow_definition, used_definitions_);
  return db.query(sql, workflow.workflow_name(), workflow.workflow_version(), to_string(workflow.status),
                  workflow.correlation_id, workflow.idempotency_key, workflow.parent_workflow_id, workflow.create_time,
                  workflow.update_time, workflow.end_time, snapshot_id, workflow_row_json(workflow),
                  workflow.workflow_id, extra...);
}

Workflow SqliteExecutionStore::workflow_row(const Statement& row) {
  Workflow workflow = decode<Workflow>(row.text(0), JsonMode::kStorage);
  workflow.workflow_definition =
      load_snapshot(db_.get(), caches_.definitions, kDefinitionSnapshots, row.int64(1));
  return workflow;
}

std::optional<Workflow> SqliteExecutionStore::workflow_rows_first(ScopedStatement statement) {
  if (!statement->step()) return std::nullopt;
  return workflow_row(*statement);
}

std::vector<Workflow> SqliteExecutionStore::workflow_rows(ScopedStatement statement) {
  std::vector<Workflow> result;
  while (statement->step()) result.push_back(workflow_row(*statement));
  return result;
}

std::int64_t SqliteExecutionStore::insert_workflow(const Workflow& workflow) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const auto version = static_cast<std::int64_t>(random() >> 1);
  ScopedStatement statement = bind_workflow(kInsertWorkflow, workflow, version);
  int rc = statement->step_allowing_constraint();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    throw ConflictError(fmt::format("Workflow {} already exists", workflow.workflow_id));
  }
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    throw ConflictError(fmt::format("A workflow {} with idempotency key {} already exists",
                                    workflow.workflow_name(), workflow.idempotency_key.value_or("")));
  }
  return version;
}

void SqliteExecutionStore::update_workflow(const Workflow& workflow) {
  Connection& db = db_.get();
  {
    ScopedStatement statement = bind_workflow(kUpdateWorkflow, workflow);
    statement->step();
  }
  if (db.changes() == 0) {
    throw NotFoundError(fmt::format("No such workflow: {}", workflow.workflow_id));
  }
}

void SqliteExecutionStore::update_workflow_if(const Workflow& workflow, std::int64_t expected) {
  {
    ScopedStatement statement = bind_workflow(kUpdateWorkflowIf, workflow, expected);
    statement->step();
  }
  if (db_.get().changes() == 0) throw stale_version(workflow.workflow_id);
}

void SqliteExecutionStore::advance_version_if(std::string_view workflow_id, std::int64_t expected) {
  if (db_.get().execute(
          "UPDATE workflows SET state_version = state_version + 1 WHERE workflow_id = ? AND state_version = ?",
          workflow_id, expected) == 0) {
    throw stale_version(workflow_id);
  }
}

std::optional<std::int64_t> SqliteExecutionStore::advance_version(std::string_view workflow_id) {
  ScopedStatement row = db_.get().query(
      "UPDATE workflows SET state_version = state_version + 1 WHERE workflow_id = ? RETURNING state_version",
      workflow_id);
  if (!row->step()) return std::nullopt;
  std::int64_t version = row->int64(0);
  while (row->step()) {
  }
  return version;
}

std::optional<std::int64_t> SqliteExecutionStore::workflow_version(std::string_view workflow_id) {
  ScopedStatement row = db_.get().query("SELECT state_version FROM workflows WHERE workflow_id = ?", workflow_id);
  if (!row->step()) return std::nullopt;
  return row->int64(0);
}

std::optional<Workflow> SqliteExecutionStore::find_workflow(std::string_view workflow_id, bool include_tasks) {
  std::optional<Workflow> workflow =
      workflow_rows_first(
          db_.get().query("SELECT json, snapshot_id FROM workflows WHERE workflow_id = ?", workflow_id));
  if (workflow && include_tasks) {
    workflow->tasks = tasks_of(workflow_id);
  }
  return workflow;
}

bool SqliteExecutionStore::remove_workflow(std::string_view workflow_id) {
  Connection& db = db_.get();
  db.execute("DELETE FROM task_logs WHERE task_id IN (SELECT task_id FROM tasks WHERE workflow_id = ?)", workflow_id);
  db.execute("DELETE FROM tasks WHERE workflow_id = ?", workflow_id);
  return db.execute("DELETE FROM workflows WHERE workflow_id = ?", workflow_id) > 0;
}

std::vector<std::string> SqliteExecutionStore::running_workflow_ids(std::string_view name,
                                                                    std::optional<int> version) {
  // The status list repeats the partial index's condition so the planner can use that index.
  if (version) {
    return text_rows(db_.get().query(
        "SELECT workflow_id FROM workflows WHERE name = ? AND version = ? AND status IN ('RUNNING', 'PAUSED')", name,
        *version));
  }
  return text_rows(db_.get().query(
      "SELECT workflow_id FROM workflows WHERE name = ? AND status IN ('RUNNING', 'PAUSED')", name));
}

std::vector<std::string> SqliteExecutionStore::ended_workflow_ids(const EndedWorkflowQuery& query) {
  boost::json::array except;
  for (const auto& name : query.except_names) except.emplace_back(name);
  // The status list repeats the partial index's condition so the planner walks end times in order.
  return text_rows(db_.get().query(
      "SELECT workflow_id FROM workflows AS w "
      "WHERE status IN ('COMPLETED', 'FAILED', 'TIMED_OUT', 'TERMINATED') AND end_time < ? "
      "AND (?2 IS NULL OR name = ?2) AND name NOT IN (SELECT value FROM json_each(?3)) "
      "AND (parent_workflow_id IS NULL "
      "     OR NOT EXISTS (SELECT 1 FROM workflows AS p WHERE p.workflow_id = w.parent_workflow_id)) "
      "ORDER BY end_time LIMIT ?4",
      query.ended_before, query.name, std::string_view(boost::json::serialize(except)), query.limit));
}

std::vector<Workflow> SqliteExecutionStore::workflows_by_correlation_id(std::string_view name,
                                                                        std::string_view correlation_id,
                                                                        bool include_closed) {
  // Open means RUNNING only, as Conductor: a PAUSED workflow counts as closed here.
  return workflow_rows(db_.get().query(
      "SELECT json, snapshot_id FROM workflows WHERE name = ? AND correlation_id = ? "
      "AND (? OR status = 'RUNNING') ORDER BY create_time DESC",
      name, correlation_id, include_closed));
}

std::optional<Workflow> SqliteExecutionStore::find_workflow_by_idempotency_key(std::string_view name,
                                                                                 std::string_view key) {
  return workflow_rows_first(
      db_.get().query("SELECT json, snapshot_id FROM workflows WHERE name = ? AND idempotency_key = ?", name, key));
}

void SqliteExecutionStore::insert_task(const Task& task) {
  Connection& db = db_.get();
  {
    ScopedStatement statement = bind_task(kInsertTask, task);
    if ((statement->step_allowing_constraint() & 0xff) == SQLITE_CONSTRAINT) {
      throw ConflictError(fmt::format("Task {} already exists", task.task_id));
    }
  }
  if (db.changes() == 0) {
    throw StaleVersionError(fmt::format("workflow {} has a task {} with retry count {} already",
                                        task.workflow_instance_id, task.reference_task_name, task.retry_count));
  }
}

void SqliteExecutionStore::update_task(const Task& task) {
  Connection& db = db_.get();
  {
    ScopedStatement statement = bind_task(kUpdateTask, task);
    statement->step();
  }
  if (db.changes() == 0) {
    throw NotFoundError(fmt::format("No such task: {}", task.task_id));
  }
}

std::optional<Task> SqliteExecutionStore::find_task(std::string_view task_id) {
  ScopedStatement row = db_.get().query("SELECT json, node_id, task_id FROM tasks WHERE task_id = ?", task_id);
  if (!row->step()) return std::nullopt;
  return task_row(*row);
}

bool SqliteExecutionStore::remove_task(std::string_view task_id) {
  Connection& db = db_.get();
  db.execute("DELETE FROM task_logs WHERE task_id = ?", task_id);
  return db.execute("DELETE FROM tasks WHERE task_id = ?", task_id) > 0;
}

std::vector<Task> SqliteExecutionStore::tasks_of(std::string_view workflow_id) {
  return task_rows(db_.get().query("SELECT json, node_id, task_id FROM tasks WHERE workflow_id = ? ORDER BY seq", workflow_id));
}

std::vector<std::string> SqliteExecutionStore::in_progress_task_ids(std::string_view task_def_name, int limit) {
  if (limit <= 0) {
    return {};  // SQLite reads a negative LIMIT as no limit
  }
  return text_rows(db_.get().query(
      "SELECT task_id FROM tasks WHERE task_def_name = ? AND status = 'IN_PROGRESS' ORDER BY start_time LIMIT ?",
      task_def_name, limit));
}

std::vector<Task> SqliteExecutionStore::pending_tasks_of_type(std::string_view task_type) {
  return task_rows(db_.get().query(
      "SELECT json, node_id, task_id FROM tasks WHERE task_type = ? AND status IN ('SCHEDULED', 'IN_PROGRESS')", task_type));
}

void SqliteExecutionStore::add_task_logs(const std::vector<TaskExecLog>& logs) {
  Connection& db = db_.get();
  for (const TaskExecLog& log : logs) {
    db.execute("INSERT INTO task_logs (task_id, created_time, log) VALUES (?, ?, ?)", log.task_id, log.created_time,
               log.log);
  }
}

std::vector<TaskExecLog> SqliteExecutionStore::task_logs(std::string_view task_id) {
  ScopedStatement rows = db_.get().query(
      "SELECT log, task_id, created_time FROM task_logs WHERE task_id = ? ORDER BY created_time, log_seq", task_id);
  std::vector<TaskExecLog> result;
  while (rows->step()) {
    result.push_back(TaskExecLog{std::string(rows->text(0)), std::string(rows->text(1)), rows->int64(2)});
  }
  return result;
}

void SqliteExecutionStore::put_poll_data(const PollData& data) {
  db_.get().execute(
      "INSERT OR REPLACE INTO poll_data (queue_name, domain_key, domain, worker_id, last_poll_time) "
      "VALUES (?, ?, ?, ?, ?)",
      data.queue_name, data.domain.value_or(std::string(kDefaultDomain)), data.domain, data.worker_id,
      data.last_poll_time);
}

std::optional<PollData> SqliteExecutionStore::find_poll_data(std::string_view queue_name,
                                                            std::optional<std::string_view> domain) {
  ScopedStatement row = db_.get().query(
      "SELECT queue_name, domain, worker_id, last_poll_time FROM poll_data WHERE queue_name = ? AND domain_key = ?",
      queue_name, domain.value_or(kDefaultDomain));
  if (!row->step()) {
    return std::nullopt;
  }
  return poll_data_row(*row);
}

std::vector<PollData> SqliteExecutionStore::poll_data(std::string_view queue_name) {
  Connection& db = db_.get();
  ScopedStatement rows =
      queue_name.empty()
          ? db.query("SELECT queue_name, domain, worker_id, last_poll_time FROM poll_data "
                     "ORDER BY queue_name, domain_key")
          : db.query("SELECT queue_name, domain, worker_id, last_poll_time FROM poll_data WHERE queue_name = ? "
                     "ORDER BY domain_key",
                     queue_name);
  std::vector<PollData> result;
  while (rows->step()) {
    result.push_back(poll_data_row(*rows));
  }
  return result;
}

bool SqliteExecutionStore::try_admit_rate(std::string_view key, std::int64_t now_ms, std::int64_t window_ms,
                                          int limit) {
  Connection& db = db_.get();
  db.execute("DELETE FROM rate_admissions WHERE rate_key = ? AND admitted_at < ?", key, now_ms - window_ms);
  std::int64_t admitted = 0;
  {
    ScopedStatement count = db.query("SELECT count(*) FROM rate_admissions WHERE rate_key = ?", key);
    count->step();
    admitted = count->int64(0);
  }
  if (admitted >= limit) {
    return false;
  }
  db.execute("INSERT INTO rate_admissions (rate_key, admitted_at) VALUES (?, ?)", key, now_ms);
  return true;
}

}  // namespace conductor::detail
