#include <conductor/codec.hpp>
#include <conductor/error.hpp>

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "json/storage_rows.hpp"
#include "model/task_order.hpp"
#include "storage/postgres/stores.hpp"
#include "storage/snapshot_key.hpp"
#include "storage/summaries.hpp"

namespace conductor::detail::pg {
namespace {

// Writes are sent ahead of their answers (see Connection). One whose outcome matters ends in a
// SELECT that calls conductor_fail when it wrote nothing: the error aborts the transaction on the
// server, so a COMMIT sent behind it cannot commit, and arrives as the library's error.

// Workflow rows: the INSERT and the UPDATEs take the row's columns as $1..$14 in the same order.
// `version` is the definition's version; `state_version` the version of the stored state;
// `classifier` is there for searches (see workflow_search); `writer` is the storage that wrote the
// row last (see take_tasks).
constexpr std::string_view kInsertWorkflow =
    "WITH written AS (INSERT INTO workflows (workflow_id, name, version, status, correlation_id, idempotency_key, "
    "parent_workflow_id, create_time, update_time, end_time, snapshot_id, json, classifier, writer, state_version) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING RETURNING 1) "
    "SELECT CASE WHEN EXISTS (SELECT FROM workflows WHERE workflow_id = $1) "
    "  THEN conductor_fail('CCONF', 'Workflow ' || $1 || ' already exists') "
    "  ELSE conductor_fail('CCONF', 'A workflow ' || $2 || ' with idempotency key ' || coalesce($6, '') || "
    "    ' already exists') END "
    "WHERE NOT EXISTS (SELECT FROM written)";
constexpr std::string_view kUpdateWorkflow =
    "WITH written AS (UPDATE workflows SET name = $2, version = $3, status = $4, correlation_id = $5, "
    "idempotency_key = $6, parent_workflow_id = $7, create_time = $8, update_time = $9, end_time = $10, "
    "snapshot_id = $11, json = $12, classifier = $13, writer = $14, state_version = state_version + 1 "
    "WHERE workflow_id = $1 RETURNING 1) "
    "SELECT conductor_fail('CNOTF', 'No such workflow: ' || $1) WHERE NOT EXISTS (SELECT FROM written)";
constexpr std::string_view kUpdateWorkflowIf =
    "WITH written AS (UPDATE workflows SET name = $2, version = $3, status = $4, correlation_id = $5, "
    "idempotency_key = $6, parent_workflow_id = $7, create_time = $8, update_time = $9, end_time = $10, "
    "snapshot_id = $11, json = $12, classifier = $13, writer = $14, state_version = state_version + 1 "
    "WHERE workflow_id = $1 AND state_version = $15 RETURNING 1) "
    "SELECT conductor_fail('CSTAL', 'workflow ' || $1 || ' is not at the version read, or is gone') "
    "WHERE NOT EXISTS (SELECT FROM written)";
constexpr std::string_view kAdvanceVersionIf =
    "WITH written AS (UPDATE workflows SET state_version = state_version + 1, writer = $3 WHERE workflow_id = $1 "
    "AND state_version = $2 RETURNING 1) "
    "SELECT conductor_fail('CSTAL', 'workflow ' || $1 || ' is not at the version read, or is gone') "
    "WHERE NOT EXISTS (SELECT FROM written)";

// Task rows, likewise: $1..$15. The last four are there for searches (see task_search).
constexpr std::string_view kInsertTask =
    "WITH written AS (INSERT INTO tasks (task_id, workflow_id, reference_name, retry_count, seq, status, task_type, "
    "task_def_name, start_time, node_id, json, workflow_type, correlation_id, update_time, end_time) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) "
    "ON CONFLICT DO NOTHING RETURNING 1) "
    "SELECT CASE WHEN EXISTS (SELECT FROM tasks WHERE task_id = $1) "
    "  THEN conductor_fail('CCONF', 'Task ' || $1 || ' already exists') "
    "  ELSE conductor_fail('CSTAL', 'workflow ' || $2 || ' has a task ' || $3 || ' with retry count ' || $4 || "
    "    ' already') END "
    "WHERE NOT EXISTS (SELECT FROM written)";
// A task's update, to follow the WITH of a statement that may do more before it.
constexpr std::string_view kUpdateTaskSteps =
    "written AS (UPDATE tasks SET workflow_id = $2, reference_name = $3, retry_count = $4, seq = $5, "
    "status = $6, task_type = $7, task_def_name = $8, start_time = $9, node_id = $10, json = $11, "
    "workflow_type = $12, correlation_id = $13, update_time = $14, end_time = $15 WHERE task_id = $1 RETURNING 1) "
    "SELECT conductor_fail('CNOTF', 'No such task: ' || $1) WHERE NOT EXISTS (SELECT FROM written)";
const std::string kUpdateTask = "WITH " + std::string(kUpdateTaskSteps);
// The same with its workflow's version step ($16: the writer), for a hand-out whose take locked the
// workflow's row.
const std::string kHandOut =
    "WITH advanced AS (UPDATE workflows SET state_version = state_version + 1, writer = $16 "
    "WHERE workflow_id = $2), " + std::string(kUpdateTaskSteps);

/// A table of snapshots: rows of (id, json) written once and never changed.
struct SnapshotTable {
  std::string_view name;
  std::string_view exists;
  std::string_view insert;
  std::string_view select;
};
constexpr SnapshotTable kDefinitionSnapshots{
    "definition", "SELECT 1 FROM definition_snapshots WHERE snapshot_id = $1",
    "INSERT INTO definition_snapshots (snapshot_id, json) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    "SELECT json FROM definition_snapshots WHERE snapshot_id = $1"};
constexpr SnapshotTable kNodeSnapshots{
    "node", "SELECT 1 FROM node_snapshots WHERE node_id = $1",
    "INSERT INTO node_snapshots (node_id, json) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    "SELECT json FROM node_snapshots WHERE node_id = $1"};

/// The id of the stored snapshot equal to `value`, storing it when there is none. `used` collects
/// the ids this transaction relied on, known committed once it commits.
template <class T>
std::int64_t store_snapshot(Connection& db, SnapshotCache<T>& cache, const SnapshotTable& table, const Shared<T>& value,
                            std::vector<std::int64_t>& used) {
  if (auto found = cache.id_of(value)) {
    if (found->committed) return found->id;
    if (!db.query(table.exists, found->id).empty()) {
      used.push_back(found->id);
      return found->id;
    }
  }
  std::string json = encode(*value, JsonMode::kStorage);
  const std::int64_t id = snapshot_key(json);
  if (db.query(table.insert, id, json).affected() == 0) {
    Result stored = db.query(table.select, id);
    if (stored.empty() || stored.text(0, 0) != json) {
      throw StorageError(fmt::format("postgres: {} snapshots collide on id {}", table.name, id));
    }
  }
  cache.put(id, decode<T>(json, JsonMode::kStorage));
  used.push_back(id);
  return id;
}

template <class T>
Shared<T> load_snapshot(Connection& db, SnapshotCache<T>& cache, const SnapshotTable& table, std::int64_t id) {
  if (auto cached = cache.get(id)) return cached;
  Result row = db.query(table.select, id);
  if (row.empty()) throw StorageError(fmt::format("postgres: {} snapshot {} is missing", table.name, id));
  Shared<T> value(decode<T>(row.text(0, 0), JsonMode::kStorage));
  cache.put(id, value);
  return value;
}

std::vector<std::string> text_column(const Result& rows) {
  std::vector<std::string> result;
  result.reserve(rows.rows());
  for (int row = 0; row < rows.rows(); ++row) result.emplace_back(rows.text(row, 0));
  return result;
}

std::vector<PollData> poll_data_rows(const Result& rows) {
  std::vector<PollData> result;
  for (int row = 0; row < rows.rows(); ++row) {
    result.push_back(PollData{std::string(rows.text(row, 0)), rows.optional_text(row, 1),
                              std::string(rows.text(row, 2)), rows.int64(row, 3)});
  }
  return result;
}

constexpr std::string_view kDefaultDomain = "DEFAULT";

/// How many polls after one that met a workflow another storage wrote last send such workflows along.
constexpr std::int64_t kSendingPolls = 1000;

/// An advisory lock held to the end of the transaction, so that the processes sharing the
/// database take turns on one rate or concurrency limit.
void lock_limit(Connection& db, std::string_view kind, std::string_view key) {
  db.send("SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))", kind, key);
}

}  // namespace

void PgExecutionStore::committed() {
  for (std::int64_t id : used_nodes_) caches_.nodes.committed(id);
  for (std::int64_t id : used_definitions_) caches_.definitions.committed(id);
  used_nodes_.clear();
  used_definitions_.clear();
}

template <class... Extra>
void PgExecutionStore::write_workflow(std::string_view sql, const Workflow& workflow, const Extra&... extra) {
  Connection& db = db_.get();
  const std::int64_t snapshot_id =
      store_snapshot(db, caches_.definitions, kDefinitionSnapshots, workflow.workflow_definition, used_definitions_);
  db.send(sql, workflow.workflow_id, workflow.workflow_name(), workflow.workflow_version(),
          to_string(workflow.status), workflow.correlation_id, workflow.idempotency_key, workflow.parent_workflow_id,
          workflow.create_time, workflow.update_time, workflow.end_time, snapshot_id, workflow_row_json(workflow),
          workflow_classifier(workflow), writer_, extra...);
  db_.stored_workflows().insert(workflow.workflow_id);
}

template <class... Extra>
void PgExecutionStore::write_task(std::string_view sql, const Task& task, const Extra&... extra) {
  Connection& db = db_.get();
  std::optional<std::int64_t> node_id;
  if (task.workflow_task) node_id = store_snapshot(db, caches_.nodes, kNodeSnapshots, task.workflow_task, used_nodes_);
  db.send(sql, task.task_id, task.workflow_instance_id, task.reference_task_name, task.retry_count, task.seq,
          to_string(task.status), task.task_type, task.task_def_name, task.start_time, node_id, task_row_json(task),
          task.workflow_type, task.correlation_id, task.update_time, task.end_time, extra...);
  db_.stored_tasks().insert(task.task_id);
}

Task PgExecutionStore::task_row(const Result& rows, int row, int column) {
  Task task = decode<Task>(rows.text(row, column), JsonMode::kStorage);
  if (!rows.is_null(row, column + 1)) {
    task.workflow_task = load_snapshot(db_.get(), caches_.nodes, kNodeSnapshots, rows.int64(row, column + 1));
  }
  return task;
}

std::vector<Task> PgExecutionStore::task_rows(const Result& rows) {
  std::vector<Task> result;
  result.reserve(rows.rows());
  for (int row = 0; row < rows.rows(); ++row) result.push_back(task_row(rows, row, 0));
  return result;
}

Workflow PgExecutionStore::workflow_row(const Result& rows, int row, int column) {
  Workflow workflow = decode<Workflow>(rows.text(row, column), JsonMode::kStorage);
  workflow.workflow_definition =
      load_snapshot(db_.get(), caches_.definitions, kDefinitionSnapshots, rows.int64(row, column + 1));
  return workflow;
}

std::vector<Workflow> PgExecutionStore::workflow_rows(const Result& rows) {
  std::vector<Workflow> result;
  result.reserve(rows.rows());
  for (int row = 0; row < rows.rows(); ++row) result.push_back(workflow_row(rows, row, 0));
  return result;
}

std::int64_t PgExecutionStore::insert_workflow(const Workflow& workflow) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const auto version = static_cast<std::int64_t>(random() >> 1);
  write_workflow(kInsertWorkflow, workflow, version);
  return version;
}

void PgExecutionStore::update_workflow(const Workflow& workflow) {
  forget_version(workflow.workflow_id);
  write_workflow(kUpdateWorkflow, workflow);
}

void PgExecutionStore::update_workflow_if(const Workflow& workflow, std::int64_t expected) {
  forget_version(workflow.workflow_id);
  write_workflow(kUpdateWorkflowIf, workflow, expected);
}

void PgExecutionStore::advance_version_if(std::string_view workflow_id, std::int64_t expected) {
  forget_version(workflow_id);
  db_.get().send(kAdvanceVersionIf, workflow_id, expected, writer_);
}

void PgExecutionStore::forget_version(std::string_view workflow_id) {
  if (!db_.known_versions().empty()) db_.known_versions().erase(std::string(workflow_id));
}

TakenTasks PgExecutionStore::take_tasks(std::string_view queue, int count, std::int64_t now_ms,
                                        std::string_view sweep_queue) {
  if (count <= 0) return {};
  // Locking the task rows as well makes a change committed while this waited for a workflow's lock
  // show in the task read. Rows: (0, task json, node_id, workflow_id, locked version, whether
  // another storage wrote the workflow last) in the order taken.
  static const std::string plain =
      std::string(kTakeMessages) +
      "SELECT 0, t.json, t.node_id, w.workflow_id, w.state_version, w.writer IS DISTINCT FROM $4 FROM taken "
      "JOIN tasks t ON t.task_id = taken.message_id JOIN workflows w ON w.workflow_id = t.workflow_id "
      "ORDER BY taken.priority DESC, taken.visible_at, taken.seq FOR NO KEY UPDATE OF t, w";
  // The same, and each workflow another storage wrote last, whole, read in the statement's
  // snapshot: that is current only when no change committed between the snapshot and the lock (the
  // lock waits for such a change, then sees its row, and every change of a task moves the
  // workflow's version), so only a workflow whose snapshot version is the locked one is sent.
  // Its message in the sweep queue is read in the same snapshot: every write of that message moves
  // the workflow's version too. Rows after the tasks: (1, workflow json, snapshot_id, workflow_id,
  // version, the message's visible time), then (2, task json, node_id, workflow_id) by seq for the
  // tasks not taken: a taken one came as a row of the first part, the same row, since the workflow
  // is sent only when nothing changed between the snapshot and the lock.
  static const std::string sending =
      std::string(kTakeMessages) +
      ", locked AS MATERIALIZED (SELECT t.json, t.node_id, w.workflow_id, w.state_version, "
      "  w.writer IS DISTINCT FROM $4 AS elsewhere, taken.priority, taken.visible_at, taken.seq FROM taken "
      "  JOIN tasks t ON t.task_id = taken.message_id JOIN workflows w ON w.workflow_id = t.workflow_id "
      "  ORDER BY taken.priority DESC, taken.visible_at, taken.seq FOR NO KEY UPDATE OF t, w), "
      "sent AS MATERIALIZED (SELECT w.workflow_id, w.state_version, w.json, w.snapshot_id, "
      "  (SELECT m.visible_at FROM queue_messages m WHERE m.queue = $5 AND m.message_id = w.workflow_id) AS sweep_at "
      "  FROM (SELECT DISTINCT workflow_id, state_version FROM locked WHERE elsewhere) l "
      "  JOIN workflows w ON w.workflow_id = l.workflow_id AND w.state_version = l.state_version) "
      "SELECT 0 AS part, json, node_id, workflow_id, state_version, elsewhere, priority, visible_at, seq "
      "FROM locked "
      "UNION ALL SELECT 1, json, snapshot_id, workflow_id, state_version, false, 0, sweep_at, 0 FROM sent "
      "UNION ALL SELECT 2, t.json, t.node_id, t.workflow_id, NULL, false, 0, 0, t.seq "
      "  FROM sent JOIN tasks t ON t.workflow_id = sent.workflow_id "
      "  WHERE NOT EXISTS (SELECT 1 FROM taken WHERE taken.message_id = t.task_id) "
      "ORDER BY part, priority DESC, visible_at, seq";
  // A process alone on its database (or restarted: every workflow then looks another's) soon stops
  // paying for the longer statement.
  const bool send = caches_.takes.fetch_add(1) < caches_.send_until.load();
  Result rows = send ? db_.get().query(sending, queue, now_ms, count, writer_, sweep_queue)
                     : db_.get().query(plain, queue, now_ms, count, writer_);
  TakenTasks taken;
  bool elsewhere = false;
  int row = 0;
  for (; row < rows.rows() && rows.int64(row, 0) == 0; ++row) {
    db_.known_versions()[std::string(rows.text(row, 3))] = rows.int64(row, 4);
    elsewhere = elsewhere || rows.text(row, 5) == "t";
    taken.tasks.push_back(task_row(rows, row, 1));
  }
  if (elsewhere) caches_.send_until = caches_.takes.load() + kSendingPolls;
  for (; row < rows.rows() && rows.int64(row, 0) == 1; ++row) {
    std::optional<std::int64_t> sweep_at;
    if (!rows.is_null(row, 7)) sweep_at = rows.int64(row, 7);
    taken.workflows.push_back({workflow_row(rows, row, 1), rows.int64(row, 4), sweep_at});
  }
  for (; row < rows.rows(); ++row) {
    auto owner = std::find_if(taken.workflows.begin(), taken.workflows.end(),
                              [&](const auto& sent) { return sent.workflow.workflow_id == rows.text(row, 3); });
    owner->workflow.tasks.push_back(task_row(rows, row, 1));
  }
  for (auto& sent : taken.workflows) {
    for (const Task& task : taken.tasks) {
      if (task.workflow_instance_id == sent.workflow.workflow_id) sent.workflow.tasks.push_back(task);
    }
    order_by_seq(sent.workflow.tasks);
  }
  return taken;
}

std::optional<std::int64_t> PgExecutionStore::advance_version(std::string_view workflow_id) {
  auto locked = db_.write() ? db_.known_versions().find(std::string(workflow_id)) : db_.known_versions().end();
  if (locked != db_.known_versions().end()) {
    // The row is locked by this transaction: nobody else can move its version before the commit.
    // (A read transaction knows versions too, from its snapshot; a write there must reach the
    // server, which refuses it.)
    db_.get().send("UPDATE workflows SET state_version = state_version + 1, writer = $2 WHERE workflow_id = $1",
                   workflow_id, writer_);
    return ++locked->second;
  }
  Result row = db_.get().query(
      "UPDATE workflows SET state_version = state_version + 1, writer = $2 WHERE workflow_id = $1 "
      "RETURNING state_version",
      workflow_id, writer_);
  if (row.empty()) return std::nullopt;
  return row.int64(0, 0);
}

std::optional<std::int64_t> PgExecutionStore::workflow_version(std::string_view workflow_id) {
  if (auto known = db_.known_versions().find(std::string(workflow_id)); known != db_.known_versions().end()) {
    return known->second;
  }
  // In a write transaction the version read must hold until the commit, as it does under SQLite's
  // single writer: the row is share-locked, so another process's change waits instead of slipping in.
  Result row = db_.write()
                   ? db_.get().query("SELECT state_version FROM workflows WHERE workflow_id = $1 FOR SHARE",
                                     workflow_id)
                   : db_.get().query("SELECT state_version FROM workflows WHERE workflow_id = $1", workflow_id);
  if (row.empty()) return std::nullopt;
  return row.int64(0, 0);
}

std::optional<Workflow> PgExecutionStore::find_workflow(std::string_view workflow_id, bool include_tasks) {
  // The row, its version and its tasks in one statement: the row first, then the tasks by seq.
  Result rows = db_.get().query(
      include_tasks
          ? "SELECT 0 AS part, 0 AS seq, json, snapshot_id, state_version FROM workflows WHERE workflow_id = $1 "
            "UNION ALL SELECT 1, seq, json, node_id, NULL FROM tasks WHERE workflow_id = $1 ORDER BY part, seq"
          : "SELECT 0, 0, json, snapshot_id, state_version FROM workflows WHERE workflow_id = $1",
      workflow_id);
  if (rows.empty() || rows.int64(0, 0) != 0) return std::nullopt;
  Workflow workflow = workflow_row(rows, 0, 2);
  for (int row = 1; row < rows.rows(); ++row) workflow.tasks.push_back(task_row(rows, row, 2));
  // A read sees one snapshot: the version read here is the one workflow_version answers after.
  if (!db_.write()) db_.known_versions()[workflow.workflow_id] = rows.int64(0, 4);
  return workflow;
}

void PgExecutionStore::keep_summaries(std::string_view sql, std::string_view id) {
  Result rows = db_.get().query(sql, id);
  for (int row = 0; row < rows.rows(); ++row) {
    if (rows.int64(row, 0) == 0) {
      keep_workflow_summary(db_, workflow_summary(workflow_row(rows, row, 1)), rows.int64(row, 3));
    } else {
      keep_task_summary(db_, task_summary(decode<Task>(rows.text(row, 1), JsonMode::kStorage)), rows.int64(row, 3));
    }
  }
}

bool PgExecutionStore::remove_workflow(std::string_view workflow_id) {
  forget_version(workflow_id);
  if (!db_.removed_summaries().contains(std::string(workflow_id))) {
    keep_summaries("SELECT 0, json, snapshot_id, doc FROM workflows WHERE workflow_id = $1 "
                   "UNION ALL SELECT 1, json, NULL, doc FROM tasks WHERE workflow_id = $1",
                   workflow_id);
  }
  Connection& db = db_.get();
  db.send("DELETE FROM task_logs WHERE task_id IN (SELECT task_id FROM tasks WHERE workflow_id = $1)", workflow_id);
  db.send("DELETE FROM tasks WHERE workflow_id = $1", workflow_id);
  return db.query("DELETE FROM workflows WHERE workflow_id = $1", workflow_id).affected() > 0;
}

std::vector<std::string> PgExecutionStore::running_workflow_ids(std::string_view name, std::optional<int> version) {
  if (version) {
    return text_column(db_.get().query(
        "SELECT workflow_id FROM workflows WHERE name = $1 AND version = $2 AND status IN ('RUNNING', 'PAUSED')",
        name, *version));
  }
  return text_column(db_.get().query(
      "SELECT workflow_id FROM workflows WHERE name = $1 AND status IN ('RUNNING', 'PAUSED')", name));
}

std::vector<std::string> PgExecutionStore::ended_workflow_ids(const EndedWorkflowQuery& query) {
  boost::json::array except;
  for (const auto& name : query.except_names) except.emplace_back(name);
  return text_column(db_.get().query(
      "SELECT workflow_id FROM workflows AS w "
      "WHERE status IN ('COMPLETED', 'FAILED', 'TIMED_OUT', 'TERMINATED') AND end_time < $1 "
      "AND ($2::text IS NULL OR name = $2::text) "
      "AND name NOT IN (SELECT json_array_elements_text($3::json)) "
      "AND (parent_workflow_id IS NULL "
      "     OR NOT EXISTS (SELECT 1 FROM workflows AS p WHERE p.workflow_id = w.parent_workflow_id)) "
      "ORDER BY end_time LIMIT $4",
      query.ended_before, query.name, std::string_view(boost::json::serialize(except)),
      static_cast<std::int64_t>(query.limit)));
}

std::vector<Workflow> PgExecutionStore::workflows_by_correlation_id(std::string_view name,
                                                                    std::string_view correlation_id,
                                                                    bool include_closed) {
  // Open means RUNNING only, as Conductor: a PAUSED workflow counts as closed here.
  return workflow_rows(db_.get().query(
      "SELECT json, snapshot_id FROM workflows WHERE name = $1 AND correlation_id = $2 "
      "AND ($3 OR status = 'RUNNING') ORDER BY create_time DESC",
      name, correlation_id, include_closed));
}

std::optional<Workflow> PgExecutionStore::find_workflow_by_idempotency_key(std::string_view name,
                                                                             std::string_view key) {
  std::vector<Workflow> found = workflow_rows(db_.get().query(
      "SELECT json, snapshot_id FROM workflows WHERE name = $1 AND idempotency_key = $2", name, key));
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

void PgExecutionStore::insert_task(const Task& task) { write_task(kInsertTask, task); }

void PgExecutionStore::update_task(const Task& task) { write_task(kUpdateTask, task); }

std::optional<std::int64_t> PgExecutionStore::hand_out(const Task& task) {
  auto locked = db_.write() ? db_.known_versions().find(task.workflow_instance_id) : db_.known_versions().end();
  if (locked == db_.known_versions().end()) return ExecutionStore::hand_out(task);
  // Locked by this transaction's take, as in advance_version: the version step goes with the task.
  write_task(kHandOut, task, writer_);
  return ++locked->second;
}

std::optional<Task> PgExecutionStore::find_task(std::string_view task_id) {
  std::vector<Task> found = task_rows(db_.get().query("SELECT json, node_id FROM tasks WHERE task_id = $1", task_id));
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

bool PgExecutionStore::remove_task(std::string_view task_id) {
  keep_summaries("SELECT 1, json, NULL, doc FROM tasks WHERE task_id = $1", task_id);
  Connection& db = db_.get();
  db.send("DELETE FROM task_logs WHERE task_id = $1", task_id);
  return db.query("DELETE FROM tasks WHERE task_id = $1", task_id).affected() > 0;
}

std::vector<Task> PgExecutionStore::tasks_of(std::string_view workflow_id) {
  return task_rows(db_.get().query("SELECT json, node_id FROM tasks WHERE workflow_id = $1 ORDER BY seq", workflow_id));
}

std::vector<std::string> PgExecutionStore::in_progress_task_ids(std::string_view task_def_name, int limit) {
  if (limit <= 0) return {};
  // A poll counts, then marks its task IN_PROGRESS in the same transaction: with the lock, pollers in
  // other processes count after it commits, so the limit holds across processes.
  if (db_.write()) lock_limit(db_.get(), "concurrency", task_def_name);
  return text_column(db_.get().query(
      "SELECT task_id FROM tasks WHERE task_def_name = $1 AND status = 'IN_PROGRESS' ORDER BY start_time LIMIT $2",
      task_def_name, limit));
}

std::vector<Task> PgExecutionStore::pending_tasks_of_type(std::string_view task_type) {
  return task_rows(db_.get().query(
      "SELECT json, node_id FROM tasks WHERE task_type = $1 AND status IN ('SCHEDULED', 'IN_PROGRESS')", task_type));
}

void PgExecutionStore::add_task_logs(const std::vector<TaskExecLog>& logs) {
  Connection& db = db_.get();
  for (const TaskExecLog& log : logs) {
    db.send("INSERT INTO task_logs (task_id, created_time, log) VALUES ($1, $2, $3)", log.task_id, log.created_time,
             log.log);
  }
}

std::vector<TaskExecLog> PgExecutionStore::task_logs(std::string_view task_id) {
  Result rows = db_.get().query(
      "SELECT log, task_id, created_time FROM task_logs WHERE task_id = $1 ORDER BY created_time, log_seq", task_id);
  std::vector<TaskExecLog> result;
  for (int row = 0; row < rows.rows(); ++row) {
    result.push_back(TaskExecLog{std::string(rows.text(row, 0)), std::string(rows.text(row, 1)), rows.int64(row, 2)});
  }
  return result;
}

void PgExecutionStore::put_poll_data(const PollData& data) {
  db_.get().send(
      "INSERT INTO poll_data (queue_name, domain_key, domain, worker_id, last_poll_time) VALUES ($1, $2, $3, $4, $5) "
      "ON CONFLICT (queue_name, domain_key) DO UPDATE SET domain = $3, worker_id = $4, last_poll_time = $5",
      data.queue_name, data.domain.value_or(std::string(kDefaultDomain)), data.domain, data.worker_id,
      data.last_poll_time);
}

std::optional<PollData> PgExecutionStore::find_poll_data(std::string_view queue_name,
                                                        std::optional<std::string_view> domain) {
  std::vector<PollData> found = poll_data_rows(db_.get().query(
      "SELECT queue_name, domain, worker_id, last_poll_time FROM poll_data WHERE queue_name = $1 AND domain_key = $2",
      queue_name, domain.value_or(kDefaultDomain)));
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

std::vector<PollData> PgExecutionStore::poll_data(std::string_view queue_name) {
  Connection& db = db_.get();
  return poll_data_rows(
      queue_name.empty()
          ? db.query("SELECT queue_name, domain, worker_id, last_poll_time FROM poll_data "
                     "ORDER BY queue_name COLLATE \"C\", domain_key COLLATE \"C\"")
          : db.query("SELECT queue_name, domain, worker_id, last_poll_time FROM poll_data WHERE queue_name = $1 "
                     "ORDER BY domain_key COLLATE \"C\"",
                     queue_name));
}

bool PgExecutionStore::try_admit_rate(std::string_view key, std::int64_t now_ms, std::int64_t window_ms, int limit) {
  Connection& db = db_.get();
  lock_limit(db, "rate", key);
  db.send("DELETE FROM rate_admissions WHERE rate_key = $1 AND admitted_at < $2", key, now_ms - window_ms);
  if (db.query("SELECT count(*) FROM rate_admissions WHERE rate_key = $1", key).int64(0, 0) >= limit) return false;
  db.send("INSERT INTO rate_admissions (rate_key, admitted_at) VALUES ($1, $2)", key, now_ms);
  return true;
}

}  // namespace conductor::detail::pg
