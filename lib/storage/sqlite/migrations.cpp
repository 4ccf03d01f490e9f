#include "storage/sqlite/migrations.hpp"

#include <conductor/error.hpp>

#include <fmt/format.h>

#include <span>
#include <string_view>

namespace conductor::detail {
namespace {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// Numbered migrations, applied in order and never edited once released: a schema change is a new
// entry. Entities are stored as their kStorage JSON; the other columns exist only to be queried.
// Status literals in partial indexes are Conductor's wire names.
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

CREATE TABLE workflows (
  workflow_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  correlation_id TEXT,
  idempotency_key TEXT,
  parent_workflow_id TEXT,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  end_time INTEGER NOT NULL,
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
  start_time INTEGER NOT NULL,
  json TEXT NOT NULL,
  UNIQUE (workflow_id, reference_name, retry_count)
);
CREATE INDEX tasks_in_progress ON tasks (task_def_name, start_time) WHERE status = 'IN_PROGRESS';
CREATE INDEX tasks_pending ON tasks (task_type) WHERE status IN ('SCHEDULED', 'IN_PROGRESS');

CREATE TABLE task_logs (
  log_seq INTEGER PRIMARY KEY,
  task_id TEXT NOT NULL,
  created_time INTEGER NOT NULL,
  log TEXT NOT NULL
);
CREATE INDEX task_logs_task ON task_logs (task_id, created_time);

-- domain_key is the domain, or 'DEFAULT' when there is none (Conductor's key); domain keeps the
-- actual value so a domain literally named DEFAULT still round-trips.
CREATE TABLE poll_data (
  queue_name TEXT NOT NULL,
  domain_key TEXT NOT NULL,
  domain TEXT,
  worker_id TEXT NOT NULL,
  last_poll_time INTEGER NOT NULL,
  PRIMARY KEY (queue_name, domain_key)
);

CREATE TABLE rate_admissions (
  rate_key TEXT NOT NULL,
  admitted_at INTEGER NOT NULL
);
CREATE INDEX rate_admissions_key ON rate_admissions (rate_key, admitted_at);

-- seq is insertion order, the last tie-breaker of delivery; an upsert keeps it.
-- The pop index lets a pop walk priorities from the top and seek each one's visible range.
CREATE TABLE queue_messages (
  seq INTEGER PRIMARY KEY,
  queue TEXT NOT NULL,
  message_id TEXT NOT NULL,
  priority INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  popped INTEGER NOT NULL DEFAULT 0,
  UNIQUE (queue, message_id)
);
CREATE INDEX queue_messages_pop ON queue_messages (queue, priority, visible_at);

-- The search index is kept apart from the executions: archiving removes a workflow but keeps its
-- summary. Only primary keys (and the task-to-workflow link) are indexed so that the upsert on
-- every persist stays cheap.
CREATE TABLE workflow_index (
  workflow_id TEXT PRIMARY KEY,
  workflow_type TEXT NOT NULL,
  correlation_id TEXT,
  start_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  end_time INTEGER NOT NULL,
  status TEXT NOT NULL,
  parent_workflow_id TEXT NOT NULL,
  classifier TEXT NOT NULL,
  json_data TEXT NOT NULL
);

CREATE TABLE task_index (
  task_id TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL,
  workflow_type TEXT NOT NULL,
  correlation_id TEXT,
  task_type TEXT NOT NULL,
  task_def_name TEXT NOT NULL,
  status TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  end_time INTEGER NOT NULL,
  json_data TEXT NOT NULL
);
CREATE INDEX task_index_workflow ON task_index (workflow_id);
)sql"},
    {2, "definition snapshots and metadata version", R"sql(
-- A workflow's definition snapshot is stored once per distinct content instead of in every row, so
-- persisting a workflow neither re-encodes nor rewrites it. New snapshots are keyed by a hash of
-- their JSON; the ones moved out of existing rows here are numbered.
CREATE TABLE definition_snapshots (
  snapshot_id INTEGER PRIMARY KEY,
  json TEXT NOT NULL
);
INSERT INTO definition_snapshots (json)
  SELECT DISTINCT json_extract(json, '$.workflowDefinition') FROM workflows;
ALTER TABLE workflows ADD COLUMN snapshot_id INTEGER NOT NULL DEFAULT 0;
UPDATE workflows SET
  snapshot_id = (SELECT snapshot_id FROM definition_snapshots
                 WHERE definition_snapshots.json = json_extract(workflows.json, '$.workflowDefinition')),
  json = json_remove(json, '$.workflowDefinition', '$.tasks');

-- Changes on every write to a definition table, so cached definitions can be checked with one
-- lookup, whichever connection or process wrote. Random rather than counted: a rolled-back write
-- must not leave behind a number a later write reuses.
CREATE TABLE metadata_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO metadata_version (id, version) VALUES (1, random());
CREATE TRIGGER task_defs_inserted AFTER INSERT ON task_defs BEGIN UPDATE metadata_version SET version = random(); END;
CREATE TRIGGER task_defs_updated AFTER UPDATE ON task_defs BEGIN UPDATE metadata_version SET version = random(); END;
CREATE TRIGGER task_defs_deleted AFTER DELETE ON task_defs BEGIN UPDATE metadata_version SET version = random(); END;
CREATE TRIGGER workflow_defs_inserted AFTER INSERT ON workflow_defs
  BEGIN UPDATE metadata_version SET version = random(); END;
CREATE TRIGGER workflow_defs_updated AFTER UPDATE ON workflow_defs
  BEGIN UPDATE metadata_version SET version = random(); END;
CREATE TRIGGER workflow_defs_deleted AFTER DELETE ON workflow_defs
  BEGIN UPDATE metadata_version SET version = random(); END;
)sql"},
    {3, "node snapshots", R"sql(
-- A task's node (its workflowTask, with the task definition it carries) is stored once per distinct
-- content instead of in every task row, as definition snapshots are: a task change then neither
-- re-encodes nor rewrites it. NULL: a task without a node.
CREATE TABLE node_snapshots (
  node_id INTEGER PRIMARY KEY,
  json TEXT NOT NULL
);
INSERT INTO node_snapshots (json)
  SELECT DISTINCT json_extract(json, '$.workflowTask') FROM tasks
  WHERE json_extract(json, '$.workflowTask') IS NOT NULL;
ALTER TABLE tasks ADD COLUMN node_id INTEGER;
UPDATE tasks SET
  node_id = (SELECT node_id FROM node_snapshots
             WHERE node_snapshots.json = json_extract(tasks.json, '$.workflowTask')),
  json = json_remove(json, '$.workflowTask');
)sql"},
    {4, "workflow versions", R"sql(
-- The version of a workflow's stored state: every committed change to the workflow or its tasks
-- advances it, and a change computed outside the writer commits only if the version is still the
-- one it read. Existing rows start from a random value, as new ones do.
ALTER TABLE workflows ADD COLUMN state_version INTEGER NOT NULL DEFAULT 0;
UPDATE workflows SET state_version = random();
)sql"},
    {5, "free-text search", R"sql(
-- Free text is matched through FTS5 tables kept by triggers on the index tables, so they change in
-- the transaction that writes the summary. The index tables are rebuilt for three reasons: an
-- INTEGER PRIMARY KEY gives the full-text tables row ids that VACUUM cannot renumber (the old row
-- ids are kept, and with them the unsorted result order); the texts the full-text tables index move
-- out of json_data into columns of their own, which triggers compare without parsing JSON; and the
-- fields free text filters on get B-tree indexes. Summaries are upserted on every persist, so the
-- store writes indexed columns only when they change, and triggers touch the full-text tables only
-- when an indexed text changes: on insert, on completion, on failure. The full-text tables are
-- external-content ones over the index tables (nothing is stored twice) without column sizes, which
-- only ranking would use.
CREATE TABLE workflow_index_v5 (
  doc INTEGER PRIMARY KEY,
  workflow_id TEXT NOT NULL UNIQUE,
  workflow_type TEXT NOT NULL,
  version INTEGER NOT NULL,
  correlation_id TEXT,
  start_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  end_time INTEGER NOT NULL,
  status TEXT NOT NULL,
  parent_workflow_id TEXT NOT NULL,
  classifier TEXT NOT NULL,
  input TEXT NOT NULL,
  output TEXT NOT NULL,
  reason TEXT,
  json_data TEXT NOT NULL
);
INSERT INTO workflow_index_v5 (doc, workflow_id, workflow_type, version, correlation_id, start_time, update_time,
                               end_time, status, parent_workflow_id, classifier, input, output, reason, json_data)
  SELECT rowid, workflow_id, workflow_type, coalesce(json_extract(json_data, '$.version'), 0), correlation_id,
         start_time, update_time, end_time, status, parent_workflow_id, classifier,
         coalesce(json_extract(json_data, '$.input'), ''), coalesce(json_extract(json_data, '$.output'), ''),
         json_extract(json_data, '$.reasonForIncompletion'),
         json_remove(json_data, '$.input', '$.output', '$.inputSize', '$.outputSize', '$.reasonForIncompletion')
  FROM workflow_index;
DROP TABLE workflow_index;
ALTER TABLE workflow_index_v5 RENAME TO workflow_index;
-- Newest first is the usual order, so the type and status indexes hold the start time too: a page of
-- one type or status is then read in order instead of sorting every match.
CREATE INDEX workflow_index_type ON workflow_index (workflow_type, start_time);
CREATE INDEX workflow_index_version ON workflow_index (version);
CREATE INDEX workflow_index_correlation ON workflow_index (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX workflow_index_status ON workflow_index (status, start_time);
CREATE INDEX workflow_index_start ON workflow_index (start_time);

CREATE VIRTUAL TABLE workflow_text USING fts5(workflow_id, workflow_type, correlation_id, input, output, reason,
  content='workflow_index', content_rowid='doc', columnsize=0);
INSERT INTO workflow_text (workflow_text) VALUES ('rebuild');
CREATE TRIGGER workflow_text_inserted AFTER INSERT ON workflow_index BEGIN
  INSERT INTO workflow_text (rowid, workflow_id, workflow_type, correlation_id, input, output, reason)
    VALUES (new.doc, new.workflow_id, new.workflow_type, new.correlation_id, new.input, new.output, new.reason);
END;
CREATE TRIGGER workflow_text_updated AFTER UPDATE ON workflow_index
  WHEN old.workflow_id IS NOT new.workflow_id OR old.workflow_type IS NOT new.workflow_type
    OR old.correlation_id IS NOT new.correlation_id OR old.input IS NOT new.input OR old.output IS NOT new.output
    OR old.reason IS NOT new.reason
BEGIN
  INSERT INTO workflow_text (workflow_text, rowid, workflow_id, workflow_type, correlation_id, input, output, reason)
    VALUES ('delete', old.doc, old.workflow_id, old.workflow_type, old.correlation_id, old.input, old.output,
            old.reason);
  INSERT INTO workflow_text (rowid, workflow_id, workflow_type, correlation_id, input, output, reason)
    VALUES (new.doc, new.workflow_id, new.workflow_type, new.correlation_id, new.input, new.output, new.reason);
END;
CREATE TRIGGER workflow_text_deleted AFTER DELETE ON workflow_index BEGIN
  INSERT INTO workflow_text (workflow_text, rowid, workflow_id, workflow_type, correlation_id, input, output, reason)
    VALUES ('delete', old.doc, old.workflow_id, old.workflow_type, old.correlation_id, old.input, old.output,
            old.reason);
END;

CREATE TABLE task_index_v5 (
  doc INTEGER PRIMARY KEY,
  task_id TEXT NOT NULL UNIQUE,
  workflow_id TEXT NOT NULL,
  workflow_type TEXT NOT NULL,
  correlation_id TEXT,
  task_type TEXT NOT NULL,
  task_def_name TEXT NOT NULL,
  status TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  end_time INTEGER NOT NULL,
  input TEXT NOT NULL,
  output TEXT NOT NULL,
  reason TEXT,
  json_data TEXT NOT NULL
);
INSERT INTO task_index_v5 (doc, task_id, workflow_id, workflow_type, correlation_id, task_type, task_def_name,
                           status, start_time, update_time, end_time, input, output, reason, json_data)
  SELECT rowid, task_id, workflow_id, workflow_type, correlation_id, task_type, task_def_name, status, start_time,
         update_time, end_time, coalesce(json_extract(json_data, '$.input'), ''),
         coalesce(json_extract(json_data, '$.output'), ''), json_extract(json_data, '$.reasonForIncompletion'),
         json_remove(json_data, '$.input', '$.output', '$.reasonForIncompletion')
  FROM task_index;
DROP TABLE task_index;
ALTER TABLE task_index_v5 RENAME TO task_index;
-- A task's start time changes when it is polled, so only the status index, which changes then
-- anyway, holds it.
CREATE INDEX task_index_workflow ON task_index (workflow_id);
CREATE INDEX task_index_type ON task_index (task_type);
CREATE INDEX task_index_def_name ON task_index (task_def_name);
CREATE INDEX task_index_status ON task_index (status, start_time);
CREATE INDEX task_index_start ON task_index (start_time);

CREATE VIRTUAL TABLE task_text USING fts5(task_id, task_type, task_def_name, workflow_id, workflow_type,
  correlation_id, input, output, reason,
  content='task_index', content_rowid='doc', columnsize=0);
INSERT INTO task_text (task_text) VALUES ('rebuild');
CREATE TRIGGER task_text_inserted AFTER INSERT ON task_index BEGIN
  INSERT INTO task_text (rowid, task_id, task_type, task_def_name, workflow_id, workflow_type, correlation_id,
                         input, output, reason)
    VALUES (new.doc, new.task_id, new.task_type, new.task_def_name, new.workflow_id, new.workflow_type,
            new.correlation_id, new.input, new.output, new.reason);
END;
CREATE TRIGGER task_text_updated AFTER UPDATE ON task_index
  WHEN old.task_id IS NOT new.task_id OR old.task_type IS NOT new.task_type
    OR old.task_def_name IS NOT new.task_def_name OR old.workflow_id IS NOT new.workflow_id
    OR old.workflow_type IS NOT new.workflow_type OR old.correlation_id IS NOT new.correlation_id
    OR old.input IS NOT new.input OR old.output IS NOT new.output OR old.reason IS NOT new.reason
BEGIN
  INSERT INTO task_text (task_text, rowid, task_id, task_type, task_def_name, workflow_id, workflow_type,
                         correlation_id, input, output, reason)
    VALUES ('delete', old.doc, old.task_id, old.task_type, old.task_def_name, old.workflow_id, old.workflow_type,
            old.correlation_id, old.input, old.output, old.reason);
  INSERT INTO task_text (rowid, task_id, task_type, task_def_name, workflow_id, workflow_type, correlation_id,
                         input, output, reason)
    VALUES (new.doc, new.task_id, new.task_type, new.task_def_name, new.workflow_id, new.workflow_type,
            new.correlation_id, new.input, new.output, new.reason);
END;
CREATE TRIGGER task_text_deleted AFTER DELETE ON task_index BEGIN
  INSERT INTO task_text (task_text, rowid, task_id, task_type, task_def_name, workflow_id, workflow_type,
                         correlation_id, input, output, reason)
    VALUES ('delete', old.doc, old.task_id, old.task_type, old.task_def_name, old.workflow_id, old.workflow_type,
            old.correlation_id, old.input, old.output, old.reason);
END;
)sql"},
    {6, "free text indexed after the commit", R"sql(
-- Writing an FTS5 table inside a transaction makes every later statement of that transaction flush
-- the table's pending terms (FTS5 syncs at each statement savepoint), and group commit puts many
-- changes in one transaction: kept by triggers, the full-text tables cost more than the rest of a
-- change. Now a change records only which documents' texts changed (the first old values, which are
-- what the full-text table holds), and flush_free_text() brings the full-text tables up to date in a
-- transaction of its own: before every free-text search, and from the sweeper. The old triggers
-- kept the tables current, so nothing is pending at this point. (NOT EXISTS rather than OR IGNORE:
-- a trigger's conflict clause gives way to the statement's, and summaries are written by upserts.)
DROP TRIGGER workflow_text_inserted;
DROP TRIGGER workflow_text_updated;
DROP TRIGGER workflow_text_deleted;
CREATE TABLE workflow_text_pending (
  doc INTEGER PRIMARY KEY,
  indexed INTEGER NOT NULL,
  workflow_id TEXT,
  workflow_type TEXT,
  correlation_id TEXT,
  input TEXT,
  output TEXT,
  reason TEXT
);
CREATE TRIGGER workflow_text_inserted AFTER INSERT ON workflow_index BEGIN
  INSERT INTO workflow_text_pending (doc, indexed) SELECT new.doc, 0
    WHERE NOT EXISTS (SELECT 1 FROM workflow_text_pending WHERE doc = new.doc);
END;
CREATE TRIGGER workflow_text_updated AFTER UPDATE ON workflow_index
  WHEN old.workflow_id IS NOT new.workflow_id
    OR old.workflow_type IS NOT new.workflow_type
    OR old.correlation_id IS NOT new.correlation_id
    OR old.input IS NOT new.input
    OR old.output IS NOT new.output
    OR old.reason IS NOT new.reason
BEGIN
  INSERT INTO workflow_text_pending (doc, indexed, workflow_id, workflow_type, correlation_id, input, output, reason)
    SELECT old.doc, 1, old.workflow_id, old.workflow_type, old.correlation_id, old.input, old.output, old.reason
    WHERE NOT EXISTS (SELECT 1 FROM workflow_text_pending WHERE doc = old.doc);
END;
CREATE TRIGGER workflow_text_deleted AFTER DELETE ON workflow_index BEGIN
  INSERT INTO workflow_text_pending (doc, indexed, workflow_id, workflow_type, correlation_id, input, output, reason)
    SELECT old.doc, 1, old.workflow_id, old.workflow_type, old.correlation_id, old.input, old.output, old.reason
    WHERE NOT EXISTS (SELECT 1 FROM workflow_text_pending WHERE doc = old.doc);
END;
DROP TRIGGER task_text_inserted;
DROP TRIGGER task_text_updated;
DROP TRIGGER task_text_deleted;
CREATE TABLE task_text_pending (
  doc INTEGER PRIMARY KEY,
  indexed INTEGER NOT NULL,
  task_id TEXT,
  task_type TEXT,
  task_def_name TEXT,
  workflow_id TEXT,
  workflow_type TEXT,
  correlation_id TEXT,
  input TEXT,
  output TEXT,
  reason TEXT
);
CREATE TRIGGER task_text_inserted AFTER INSERT ON task_index BEGIN
  INSERT INTO task_text_pending (doc, indexed) SELECT new.doc, 0
    WHERE NOT EXISTS (SELECT 1 FROM task_text_pending WHERE doc = new.doc);
END;
CREATE TRIGGER task_text_updated AFTER UPDATE ON task_index
  WHEN old.task_id IS NOT new.task_id
    OR old.task_type IS NOT new.task_type
    OR old.task_def_name IS NOT new.task_def_name
    OR old.workflow_id IS NOT new.workflow_id
    OR old.workflow_type IS NOT new.workflow_type
    OR old.correlation_id IS NOT new.correlation_id
    OR old.input IS NOT new.input
    OR old.output IS NOT new.output
    OR old.reason IS NOT new.reason
BEGIN
  INSERT INTO task_text_pending (doc, indexed, task_id, task_type, task_def_name, workflow_id, workflow_type, correlation_id, input, output, reason)
    SELECT old.doc, 1, old.task_id, old.task_type, old.task_def_name, old.workflow_id, old.workflow_type, old.correlation_id, old.input, old.output, old.reason
    WHERE NOT EXISTS (SELECT 1 FROM task_text_pending WHERE doc = old.doc);
END;
CREATE TRIGGER task_text_deleted AFTER DELETE ON task_index BEGIN
  INSERT INTO task_text_pending (doc, indexed, task_id, task_type, task_def_name, workflow_id, workflow_type, correlation_id, input, output, reason)
    SELECT old.doc, 1, old.task_id, old.task_type, old.task_def_name, old.workflow_id, old.workflow_type, old.correlation_id, old.input, old.output, old.reason
    WHERE NOT EXISTS (SELECT 1 FROM task_text_pending WHERE doc = old.doc);
END;
)sql"},
    {7, "event messages and executions", R"sql(
CREATE TABLE event_messages (
  key TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  message_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  created INTEGER NOT NULL,
  UNIQUE (event, message_id)
);

CREATE TABLE event_executions (
  handler_name TEXT NOT NULL,
  event TEXT NOT NULL,
  id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  created INTEGER NOT NULL,
  status TEXT NOT NULL,
  action TEXT,
  output TEXT NOT NULL,
  PRIMARY KEY (handler_name, event, id)
);
)sql"},
    {8, "ended workflows by end time", R"sql(
-- Retention removes the workflows that ended longest ago first.
CREATE INDEX IF NOT EXISTS workflows_ended ON workflows (end_time)
  WHERE status IN ('COMPLETED', 'FAILED', 'TIMED_OUT', 'TERMINATED');
)sql"},
};

}  // namespace

int latest_schema_version() { return std::span(kMigrations).back().version; }

void migrate(Connection& db) {
  // IMMEDIATE: two processes opening a new file at once must not both apply the same migration.
  db.exec("BEGIN IMMEDIATE");
  try {
    // A file holding someone else's tables is refused rather than having ours added beside them.
    {
      auto row = db.query(
          "SELECT count(*), count(*) FILTER (WHERE name = 'schema_migrations') FROM sqlite_master WHERE type = 'table'");
      row->step();
      if (row->integer(0) > 0 && row->integer(1) == 0) {
        throw StorageError("sqlite: the database holds tables of another application and no Embedded Conductor "
                           "schema; refusing to use it");
      }
    }
    db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)");
    int current = 0;
    {
      auto row = db.query("SELECT coalesce(max(version), 0) FROM schema_migrations");
      row->step();
      current = row->integer(0);
    }
    if (current > latest_schema_version()) {
      throw StorageError(fmt::format("sqlite: the database has schema version {}, newer than this library's {}",
                                     current, latest_schema_version()));
    }
    for (const Migration& migration : kMigrations) {
      if (migration.version > current) {
        db.exec(migration.sql);
        db.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", migration.version, migration.name);
      }
    }
    db.exec("COMMIT");
  } catch (...) {
    db.rollback();
    throw;
  }
}

}  // namespace conductor::detail
