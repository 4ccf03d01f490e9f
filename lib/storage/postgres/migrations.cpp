#include "storage/postgres/migrations.hpp"

#include <conductor/error.hpp>

#include <fmt/format.h>

#include <span>
#include <string_view>

namespace conductor::detail::pg {
namespace {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

/// The advisory lock key migrations hold (any constant; it names nothing else in the database).
constexpr std::int64_t kMigrationLock = 0x636f6e6475637472;  // "conductr"

// Numbered migrations, applied in order and never edited once released: a schema change is a new
// entry. Entities are stored as their kStorage JSON; the other columns exist only to be queried.
// Index tables sort text byte-wise (COLLATE "C"), as SQLite does, whatever the database's locale.
constexpr Migration kMigrations[] = {
    {1, "initial", R"sql(
CREATE TABLE task_defs (
  name TEXT PRIMARY KEY,
  json TEXT NOT NULL
);
CREATE TABLE workflow_defs (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE TABLE event_handlers (
  name TEXT PRIMARY KEY,
  json TEXT NOT NULL
);
-- Changes on every write to a definition table, so cached definitions are checked with one lookup
-- whichever process wrote; random, so a rolled-back write leaves no number a later one reuses.
CREATE TABLE metadata_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version BIGINT NOT NULL
);
INSERT INTO metadata_version (id, version) VALUES (1, (random() * 9e18)::bigint);
CREATE FUNCTION conductor_metadata_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE metadata_version SET version = (random() * 9e18)::bigint;
  RETURN NULL;
END $$;
CREATE TRIGGER task_defs_changed AFTER INSERT OR UPDATE OR DELETE ON task_defs
  FOR EACH STATEMENT EXECUTE FUNCTION conductor_metadata_changed();
CREATE TRIGGER workflow_defs_changed AFTER INSERT OR UPDATE OR DELETE ON workflow_defs
  FOR EACH STATEMENT EXECUTE FUNCTION conductor_metadata_changed();

-- Snapshots (a run's workflow definition, a task's node) are stored once per distinct content,
-- keyed by a hash of their JSON, and never change.
CREATE TABLE definition_snapshots (
  snapshot_id BIGINT PRIMARY KEY,
  json TEXT NOT NULL
);
CREATE TABLE node_snapshots (
  node_id BIGINT PRIMARY KEY,
  json TEXT NOT NULL
);

-- state_version: the version of the stored state; a change computed outside any transaction
-- commits only if it is still the one it read.
CREATE TABLE workflows (
  workflow_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  correlation_id TEXT,
  idempotency_key TEXT,
  parent_workflow_id TEXT,
  create_time BIGINT NOT NULL,
  update_time BIGINT NOT NULL,
  end_time BIGINT NOT NULL,
  snapshot_id BIGINT NOT NULL,
  state_version BIGINT NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX workflows_running ON workflows (name, version) WHERE status IN ('RUNNING', 'PAUSED');
CREATE INDEX workflows_correlation ON workflows (name, correlation_id, create_time)
  WHERE correlation_id IS NOT NULL;
CREATE UNIQUE INDEX workflows_idempotency ON workflows (name, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

CREATE TABLE tasks (
  task_id TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL,
  reference_name TEXT NOT NULL,
  retry_count INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  status TEXT NOT NULL,
  task_type TEXT NOT NULL,
  task_def_name TEXT NOT NULL,
  start_time BIGINT NOT NULL,
  node_id BIGINT,
  json TEXT NOT NULL,
  UNIQUE (workflow_id, reference_name, retry_count)
);
CREATE INDEX tasks_in_progress ON tasks (task_def_name, start_time) WHERE status = 'IN_PROGRESS';
CREATE INDEX tasks_pending ON tasks (task_type) WHERE status IN ('SCHEDULED', 'IN_PROGRESS');

CREATE TABLE task_logs (
  log_seq BIGSERIAL PRIMARY KEY,
  task_id TEXT NOT NULL,
  created_time BIGINT NOT NULL,
  log TEXT NOT NULL
);
CREATE INDEX task_logs_task ON task_logs (task_id, created_time);

-- domain_key is the domain, or 'DEFAULT' when there is none; domain keeps the actual value.
CREATE TABLE poll_data (
  queue_name TEXT NOT NULL,
  domain_key TEXT NOT NULL,
  domain TEXT,
  worker_id TEXT NOT NULL,
  last_poll_time BIGINT NOT NULL,
  PRIMARY KEY (queue_name, domain_key)
);

CREATE TABLE rate_admissions (
  rate_key TEXT NOT NULL,
  admitted_at BIGINT NOT NULL
);
CREATE INDEX rate_admissions_key ON rate_admissions (rate_key, admitted_at);

-- seq is insertion order, the last tie-breaker of delivery; an upsert keeps it.
CREATE TABLE queue_messages (
  seq BIGSERIAL PRIMARY KEY,
  queue TEXT NOT NULL,
  message_id TEXT NOT NULL,
  priority INTEGER NOT NULL,
  visible_at BIGINT NOT NULL,
  popped BOOLEAN NOT NULL DEFAULT false,
  UNIQUE (queue, message_id)
);
CREATE INDEX queue_messages_pop ON queue_messages (queue, priority DESC, visible_at, seq);

-- The search index is kept apart from the executions: archiving removes a workflow but keeps its
-- summary. doc is the order summaries were first indexed in, the unsorted result order.
CREATE TABLE workflow_index (
  doc BIGSERIAL PRIMARY KEY,
  workflow_id TEXT COLLATE "C" NOT NULL UNIQUE,
  workflow_type TEXT COLLATE "C" NOT NULL,
  version INTEGER NOT NULL,
  correlation_id TEXT COLLATE "C",
  start_time BIGINT NOT NULL,
  update_time BIGINT NOT NULL,
  end_time BIGINT NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  parent_workflow_id TEXT COLLATE "C" NOT NULL,
  classifier TEXT COLLATE "C" NOT NULL,
  input TEXT NOT NULL,
  output TEXT NOT NULL,
  reason TEXT,
  json_data TEXT NOT NULL
);
CREATE INDEX workflow_index_type ON workflow_index (workflow_type, start_time);
CREATE INDEX workflow_index_status ON workflow_index (status, start_time);
CREATE INDEX workflow_index_start ON workflow_index (start_time);
CREATE INDEX workflow_index_correlation ON workflow_index (correlation_id) WHERE correlation_id IS NOT NULL;

CREATE TABLE task_index (
  doc BIGSERIAL PRIMARY KEY,
  task_id TEXT COLLATE "C" NOT NULL UNIQUE,
  workflow_id TEXT COLLATE "C" NOT NULL,
  workflow_type TEXT COLLATE "C" NOT NULL,
  correlation_id TEXT COLLATE "C",
  task_type TEXT COLLATE "C" NOT NULL,
  task_def_name TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  start_time BIGINT NOT NULL,
  update_time BIGINT NOT NULL,
  end_time BIGINT NOT NULL,
  input TEXT NOT NULL,
  output TEXT NOT NULL,
  reason TEXT,
  json_data TEXT NOT NULL
);
CREATE INDEX task_index_workflow ON task_index (workflow_id);
CREATE INDEX task_index_type ON task_index (task_type);
CREATE INDEX task_index_def_name ON task_index (task_def_name);
CREATE INDEX task_index_status ON task_index (status, start_time);
CREATE INDEX task_index_start ON task_index (start_time);
)sql"},
    {2, "event messages, the records of event handlers' actions, ended workflows by end time", R"sql(
-- Retention removes the workflows that ended longest ago first.
CREATE INDEX workflows_ended ON workflows (end_time)
  WHERE status IN ('COMPLETED', 'FAILED', 'TIMED_OUT', 'TERMINATED');
CREATE TABLE event_messages (
  key TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  message_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  created BIGINT NOT NULL,
  UNIQUE (event, message_id)
);
CREATE TABLE event_executions (
  handler_name TEXT NOT NULL,
  event TEXT NOT NULL,
  id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  created BIGINT NOT NULL,
  status TEXT NOT NULL,
  action TEXT,
  output TEXT NOT NULL,
  PRIMARY KEY (handler_name, event, id)
);
)sql"},
    {3, "failing a transaction from inside a statement", R"sql(
-- Raises `message` with the SQLSTATE `code`. A statement sent ahead of its answer calls it when what
-- it wrote is not what the transaction expected, so the error aborts the transaction on the server,
-- before a COMMIT sent behind it can run.
CREATE FUNCTION conductor_fail(code TEXT, message TEXT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
END $$;
)sql"},
    {4, "a stored task is its own search summary", R"sql(
-- A task's summary is derived from its row while the row exists (written once, with the row), and
-- kept in task_index only once the row is removed (a workflow archived) or when there is no row.
-- The columns the row lacked for searching come with it; doc continues task_index's sequence, so
-- the unsorted order stays the order tasks were first indexed in.
ALTER TABLE tasks ADD COLUMN doc BIGINT, ADD COLUMN workflow_type TEXT NOT NULL DEFAULT '',
  ADD COLUMN correlation_id TEXT, ADD COLUMN update_time BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN end_time BIGINT NOT NULL DEFAULT 0;
UPDATE tasks SET workflow_type = coalesce(json::jsonb ->> 'workflowType', ''),
  correlation_id = json::jsonb ->> 'correlationId',
  update_time = coalesce((json::jsonb ->> 'updateTime')::bigint, 0),
  end_time = coalesce((json::jsonb ->> 'endTime')::bigint, 0);
UPDATE tasks t SET doc = i.doc FROM task_index i WHERE i.task_id = t.task_id;
UPDATE tasks SET doc = nextval('task_index_doc_seq') WHERE doc IS NULL;
ALTER TABLE tasks ALTER COLUMN doc SET DEFAULT nextval('task_index_doc_seq'), ALTER COLUMN doc SET NOT NULL;
DELETE FROM task_index i USING tasks t WHERE i.task_id = t.task_id;
-- What task searches read: stored tasks, their texts taken from the row's JSON, then the kept
-- summaries of tasks without a row. A stored task's json is not null; a kept summary's is.
CREATE VIEW task_search AS
SELECT doc, task_id COLLATE "C" AS task_id, workflow_id COLLATE "C" AS workflow_id,
  workflow_type COLLATE "C" AS workflow_type, correlation_id COLLATE "C" AS correlation_id,
  task_type COLLATE "C" AS task_type,
  (CASE WHEN task_def_name = '' THEN task_type ELSE task_def_name END) COLLATE "C" AS task_def_name,
  status COLLATE "C" AS status, start_time, update_time, end_time,
  coalesce((json::jsonb -> 'inputData')::text, '{}') AS input,
  coalesce((json::jsonb -> 'outputData')::text, '{}') AS output,
  json::jsonb ->> 'reasonForIncompletion' AS reason, NULL::text AS json_data, json
FROM tasks
UNION ALL
SELECT doc, task_id, workflow_id, workflow_type, correlation_id, task_type, task_def_name, status, start_time,
  update_time, end_time, input, output, reason, json_data, NULL::text
FROM task_index i WHERE NOT EXISTS (SELECT FROM tasks t WHERE t.task_id = i.task_id);
)sql"},
    {5, "a stored workflow is its own search summary", R"sql(
-- As migration 4 for tasks: a workflow's summary is derived from its row while the row exists,
-- and kept in workflow_index once the row is removed (archived) or when there is no row.
ALTER TABLE workflows ADD COLUMN doc BIGINT, ADD COLUMN classifier TEXT NOT NULL DEFAULT 'workflow';
UPDATE workflows w SET doc = i.doc, classifier = i.classifier FROM workflow_index i
  WHERE i.workflow_id = w.workflow_id;
UPDATE workflows SET doc = nextval('workflow_index_doc_seq') WHERE doc IS NULL;
ALTER TABLE workflows ALTER COLUMN doc SET DEFAULT nextval('workflow_index_doc_seq'),
  ALTER COLUMN doc SET NOT NULL;
DELETE FROM workflow_index i USING workflows w WHERE i.workflow_id = w.workflow_id;
CREATE VIEW workflow_search AS
SELECT doc, workflow_id COLLATE "C" AS workflow_id, name COLLATE "C" AS workflow_type, version,
  correlation_id COLLATE "C" AS correlation_id, create_time AS start_time, update_time, end_time,
  status COLLATE "C" AS status, coalesce(parent_workflow_id, '') COLLATE "C" AS parent_workflow_id,
  classifier COLLATE "C" AS classifier,
  coalesce((json::jsonb -> 'input')::text, '{}') AS input,
  coalesce((json::jsonb -> 'output')::text, '{}') AS output,
  json::jsonb ->> 'reasonForIncompletion' AS reason, NULL::text AS json_data, json, snapshot_id
FROM workflows
UNION ALL
SELECT doc, workflow_id, workflow_type, version, correlation_id, start_time, update_time, end_time, status,
  parent_workflow_id, classifier, input, output, reason, json_data, NULL::text, NULL::bigint
FROM workflow_index i WHERE NOT EXISTS (SELECT FROM workflows w WHERE w.workflow_id = i.workflow_id);
)sql"},
    {6, "search views read the rows' texts as json", R"sql(
-- The json type finds a key without converting the whole document, and gives the value's text as
-- the engine wrote it: a free-text search over stored rows parses less, and matches phrases in
-- the same text a kept summary holds.
CREATE OR REPLACE VIEW task_search AS
SELECT doc, task_id COLLATE "C" AS task_id, workflow_id COLLATE "C" AS workflow_id,
  workflow_type COLLATE "C" AS workflow_type, correlation_id COLLATE "C" AS correlation_id,
  task_type COLLATE "C" AS task_type,
  (CASE WHEN task_def_name = '' THEN task_type ELSE task_def_name END) COLLATE "C" AS task_def_name,
  status COLLATE "C" AS status, start_time, update_time, end_time,
  coalesce((json::json -> 'inputData')::text, '{}') AS input,
  coalesce((json::json -> 'outputData')::text, '{}') AS output,
  json::json ->> 'reasonForIncompletion' AS reason, NULL::text AS json_data, json
FROM tasks
UNION ALL
SELECT doc, task_id, workflow_id, workflow_type, correlation_id, task_type, task_def_name, status, start_time,
  update_time, end_time, input, output, reason, json_data, NULL::text
FROM task_index i WHERE NOT EXISTS (SELECT FROM tasks t WHERE t.task_id = i.task_id);
CREATE OR REPLACE VIEW workflow_search AS
SELECT doc, workflow_id COLLATE "C" AS workflow_id, name COLLATE "C" AS workflow_type, version,
  correlation_id COLLATE "C" AS correlation_id, create_time AS start_time, update_time, end_time,
  status COLLATE "C" AS status, coalesce(parent_workflow_id, '') COLLATE "C" AS parent_workflow_id,
  classifier COLLATE "C" AS classifier,
  coalesce((json::json -> 'input')::text, '{}') AS input,
  coalesce((json::json -> 'output')::text, '{}') AS output,
  json::json ->> 'reasonForIncompletion' AS reason, NULL::text AS json_data, json, snapshot_id
FROM workflows
UNION ALL
SELECT doc, workflow_id, workflow_type, version, correlation_id, start_time, update_time, end_time, status,
  parent_workflow_id, classifier, input, output, reason, json_data, NULL::text, NULL::bigint
FROM workflow_index i WHERE NOT EXISTS (SELECT FROM workflows w WHERE w.workflow_id = i.workflow_id);
)sql"},
    {7, "which storage wrote a workflow row last", R"sql(
-- A process's poll sends a taken task's workflow along when another process wrote it last, since
-- this process is then unlikely to hold it current (see take_tasks).
ALTER TABLE workflows ADD COLUMN writer BIGINT;
)sql"},
};

}  // namespace

int latest_schema_version() { return std::span(kMigrations).back().version; }

void migrate(Connection& db) {
  // A session lock, held across the migrations' transactions and released on every path.
  db.query("SELECT pg_advisory_lock($1)", kMigrationLock);
  try {
    db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)");
    Result row = db.query("SELECT coalesce(max(version), 0) FROM schema_migrations");
    const auto current = static_cast<int>(row.int64(0, 0));
    if (current > latest_schema_version()) {
      throw StorageError(fmt::format("postgres: the database has schema version {}, newer than this library's {}",
                                     current, latest_schema_version()));
    }
    for (const Migration& migration : kMigrations) {
      if (migration.version <= current) continue;
      db.exec("BEGIN");
      try {
        db.exec(std::string(migration.sql));
        db.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", migration.version, migration.name);
        db.exec("COMMIT");
      } catch (...) {
        db.try_exec("ROLLBACK");
        throw;
      }
    }
  } catch (...) {
    db.try_exec("SELECT pg_advisory_unlock_all()");
    throw;
  }
  db.query("SELECT pg_advisory_unlock($1)", kMigrationLock);
}

}  // namespace conductor::detail::pg
