// What the SQLite backend promises beyond the storage contract: migrations, WAL readers, locking
// errors. Inspects the database file with the backend's own connection class.

#include <conductor/codec.hpp>
#include <conductor/error.hpp>
#include <conductor/storage/sqlite.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/sqlite/connection.hpp"
#include "storage/storage_fixtures.hpp"

using namespace conductor;
using conductor::detail::Connection;
using conductor::testing::TempDir;

namespace {

std::vector<std::pair<int, std::string>> recorded_migrations(const std::string& path) {
  Connection db(path, {});
  auto rows = db.query("SELECT version, name FROM schema_migrations ORDER BY version");
  std::vector<std::pair<int, std::string>> result;
  while (rows->step()) {
    result.emplace_back(rows->integer(0), std::string(rows->text(1)));
  }
  return result;
}

/// Removes what migration 7 added, for tests that take a database back to an older schema.
constexpr const char* kWithoutEventTables = "DROP TABLE event_messages; DROP TABLE event_executions;";

/// Replaces the index tables of the current schema with those of schema 1, empty.
constexpr const char* kSchema1IndexTables =
    "DROP TABLE workflow_text; DROP TABLE task_text; DROP TABLE workflow_index; DROP TABLE task_index;"
    "DROP TABLE workflow_text_pending; DROP TABLE task_text_pending;"
    "CREATE TABLE workflow_index (workflow_id TEXT PRIMARY KEY, workflow_type TEXT NOT NULL,"
    "  correlation_id TEXT, start_time INTEGER NOT NULL, update_time INTEGER NOT NULL,"
    "  end_time INTEGER NOT NULL, status TEXT NOT NULL, parent_workflow_id TEXT NOT NULL,"
    "  classifier TEXT NOT NULL, json_data TEXT NOT NULL);"
    "CREATE TABLE task_index (task_id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, workflow_type TEXT NOT NULL,"
    "  correlation_id TEXT, task_type TEXT NOT NULL, task_def_name TEXT NOT NULL, status TEXT NOT NULL,"
    "  start_time INTEGER NOT NULL, update_time INTEGER NOT NULL, end_time INTEGER NOT NULL,"
    "  json_data TEXT NOT NULL);"
    "CREATE INDEX task_index_workflow ON task_index (workflow_id);";

TaskDef task_def(const std::string& name) {
  TaskDef def;
  def.name = name;
  return def;
}

}  // namespace

TEST_CASE("sqlite storage: migrations are recorded once and not re-run on reopen", "[storage]") {
  TempDir dir;
  SqliteOptions options{(dir.path() / "db.sqlite").string()};
  {
    auto storage = open_sqlite(options);
    auto tx = storage->begin();
    tx->metadata().put_task_def(task_def("work"));
    tx->commit();
  }
  using Migrations = std::vector<std::pair<int, std::string>>;
  const Migrations all{{1, "initial"},
                       {2, "definition snapshots and metadata version"},
                       {3, "node snapshots"},
                       {4, "workflow versions"},
                       {5, "free-text search"},
                       {6, "free text indexed after the commit"},
                       {7, "event messages and executions"},
                       {8, "ended workflows by end time"}};
  CHECK(recorded_migrations(options.path) == all);
  {
    auto storage = open_sqlite(options);
    auto tx = storage->begin(TransactionMode::kRead);
    CHECK(tx->metadata().find_task_def("work"));
  }
  CHECK(recorded_migrations(options.path) == all);
}

TEST_CASE("sqlite storage: migrations 2 to 4 move definitions and nodes out of rows written at schema 1",
          "[storage]") {
  TempDir dir;
  SqliteOptions options{(dir.path() / "db.sqlite").string()};
  Workflow workflow;
  workflow.workflow_id = "wf-1";
  workflow.workflow_definition.edit().name = "flow";
  workflow.workflow_definition.edit().version = 3;
  workflow.workflow_definition.edit().tasks.push_back(WorkflowTask{.name = "work", .task_reference_name = "work_ref"});
  workflow.input = JsonObject{{"x", 1}};
  Task with_node;
  with_node.task_id = "t-1";
  with_node.workflow_instance_id = "wf-1";
  with_node.reference_task_name = "work_ref";
  with_node.workflow_task = workflow.workflow_definition.edit().tasks.front();
  Task without_node = with_node;
  without_node.task_id = "t-2";
  without_node.reference_task_name = "bare";
  without_node.workflow_task.reset();
  {
    auto storage = open_sqlite(options);
    auto tx = storage->begin();
    tx->execution().insert_workflow(workflow);
    tx->execution().insert_task(with_node);
    tx->execution().insert_task(without_node);
    tx->commit();
  }
  {
    // Back to the schema-1 layout: the definition and the node inside the rows, no snapshot tables,
    // no full-text tables.
    Connection db(options.path, {});
    db.exec(std::string(kWithoutEventTables) + kSchema1IndexTables +
        "UPDATE workflows SET json = json_set(json, '$.workflowDefinition', "
        "  json((SELECT json FROM definition_snapshots WHERE snapshot_id = workflows.snapshot_id)));"
        "ALTER TABLE workflows DROP COLUMN snapshot_id;"
        "DROP TABLE definition_snapshots;"
        "DROP TABLE metadata_version;"
        "DROP TRIGGER task_defs_inserted; DROP TRIGGER task_defs_updated; DROP TRIGGER task_defs_deleted;"
        "DROP TRIGGER workflow_defs_inserted; DROP TRIGGER workflow_defs_updated; DROP TRIGGER workflow_defs_deleted;"
        "UPDATE tasks SET json = json_set(json, '$.workflowTask', "
        "  json((SELECT json FROM node_snapshots WHERE node_snapshots.node_id = tasks.node_id))) "
        "  WHERE node_id IS NOT NULL;"
        "ALTER TABLE tasks DROP COLUMN node_id;"
        "DROP TABLE node_snapshots;"
        "ALTER TABLE workflows DROP COLUMN state_version;"
        "DELETE FROM schema_migrations WHERE version >= 2;");
  }
  auto storage = open_sqlite(options);
  auto tx = storage->begin(TransactionMode::kRead);
  auto found = tx->execution().find_workflow("wf-1", true);
  REQUIRE(found);
  CHECK(encode(*found->workflow_definition, JsonMode::kStorage) ==
        encode(*workflow.workflow_definition, JsonMode::kStorage));
  found->tasks.clear();
  CHECK(encode(*found, JsonMode::kStorage) == encode(workflow, JsonMode::kStorage));
  CHECK(tx->execution().find_task("t-1") == with_node);
  CHECK(tx->execution().find_task("t-2") == without_node);
  CHECK(tx->execution().workflow_version("wf-1"));
  // The node left the task row for a snapshot of its own.
  Connection db(options.path, {});
  auto row = db.query(
      "SELECT json_extract(json, '$.workflowTask') IS NULL, node_id IS NOT NULL FROM tasks WHERE task_id = 't-1'");
  REQUIRE(row->step());
  CHECK(row->integer(0) == 1);
  CHECK(row->integer(1) == 1);
}

TEST_CASE("sqlite storage: migration 5 indexes the free text of summaries written before it", "[storage]") {
  TempDir dir;
  SqliteOptions options{(dir.path() / "db.sqlite").string()};
  WorkflowSummary workflow;
  workflow.workflow_id = "wf-1";
  workflow.workflow_type = "order_flow";
  workflow.version = 2;
  workflow.correlation_id = "c-1";
  workflow.status = WorkflowStatus::kFailed;
  workflow.start_time = 1000;
  workflow.input = R"({"customer":"Ada Lovelace"})";
  workflow.output = R"({"note":"parcel shipped"})";
  workflow.reason_for_incompletion = "card check timed out";
  TaskSummary task;
  task.task_id = "t-1";
  task.workflow_id = "wf-1";
  task.workflow_type = "order_flow";
  task.task_type = "card_check";
  task.task_def_name = "card_check";
  task.status = TaskStatus::kTimedOut;
  task.input = R"({"card":"visa"})";
  task.output = "{}";
  {
    // The schema-3 index tables, holding rows as they were written then.
    open_sqlite(options).reset();
    Connection db(options.path, {});
    db.exec(
        std::string(kWithoutEventTables) + kSchema1IndexTables + "DELETE FROM schema_migrations WHERE version >= 5;");
    db.execute(
        "INSERT INTO workflow_index VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", workflow.workflow_id,
        workflow.workflow_type, workflow.correlation_id, workflow.start_time, workflow.update_time, workflow.end_time,
        to_string(workflow.status), workflow.parent_workflow_id, workflow.classifier,
        encode(workflow, JsonMode::kStorage));
    db.execute("INSERT INTO task_index VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", task.task_id, task.workflow_id,
               task.workflow_type, task.correlation_id, task.task_type, task.task_def_name, to_string(task.status),
               task.start_time, task.update_time, task.end_time, encode(task, JsonMode::kStorage));
  }
  auto storage = open_sqlite(options);
  auto tx = storage->begin(TransactionMode::kRead);
  auto search = [](const std::string& free_text) {
    SearchQuery query;
    query.free_text = free_text;
    return query;
  };
  auto workflows = tx->index().search_workflows(search("lovelace AND shipped AND \"timed out\" AND version:2"));
  REQUIRE(workflows.results.size() == 1);
  CHECK(encode(workflows.results[0], JsonMode::kStorage) == encode(workflow, JsonMode::kStorage));
  CHECK(tx->index().search_workflows(search("workflowType:order_flow AND correlationId:c-1")).total_hits == 1);
  auto tasks = tx->index().search_tasks(search("visa AND taskType:card_check AND status:TIMED_OUT"));
  REQUIRE(tasks.results.size() == 1);
  CHECK(encode(tasks.results[0], JsonMode::kStorage) == encode(task, JsonMode::kStorage));
  tx.reset();

  Connection db(options.path, {});
  for (const char* table : {"workflow_text", "task_text"}) {
    INFO(table);
    CHECK_NOTHROW(db.exec(std::string("INSERT INTO ") + table + " (" + table + ") VALUES ('integrity-check')"));
  }
}

TEST_CASE("sqlite storage: the full-text tables follow every insert, change and removal of a summary once flushed",
          "[storage]") {
  TempDir dir;
  SqliteOptions options{(dir.path() / "db.sqlite").string()};
  auto storage = open_sqlite(options);
  auto write = [&](const std::function<void(IndexStore&)>& change) {
    auto tx = storage->begin();
    change(tx->index());
    tx->commit();
  };
  auto unflushed_hits = [&](const std::string& free_text) {
    SearchQuery query;
    query.free_text = free_text;
    auto tx = storage->begin(TransactionMode::kRead);
    return tx->index().search_workflows(query).total_hits + tx->index().search_tasks(query).total_hits;
  };
  auto hits = [&](const std::string& free_text) {
    write([](IndexStore& index) { index.flush_free_text(); });
    SearchQuery query;
    query.free_text = free_text;
    auto tx = storage->begin(TransactionMode::kRead);
    return tx->index().search_workflows(query).total_hits + tx->index().search_tasks(query).total_hits;
  };
  WorkflowSummary workflow;
  workflow.workflow_id = "wf-1";
  workflow.workflow_type = "order_flow";
  workflow.input = R"({"customer":"Ada"})";
  TaskSummary task;
  task.task_id = "t-1";
  task.workflow_id = "wf-1";
  task.task_type = "card_check";
  task.task_def_name = "card_check";
  task.input = R"({"card":"visa"})";
  write([&](IndexStore& index) {
    index.index_workflow(workflow);
    index.index_task(task);
  });
  CHECK(unflushed_hits("ada") == 0);
  CHECK(hits("ada") == 1);
  CHECK(hits("visa") == 1);

  // Texts, indexed fields and only times change, each in its own transaction.
  workflow.output = R"({"note":"shipped"})";
  workflow.correlation_id = "c-9";
  workflow.status = WorkflowStatus::kFailed;
  workflow.reason_for_incompletion = "card declined";
  task.output = R"({"result":"declined"})";
  task.correlation_id = "c-9";
  task.status = TaskStatus::kFailed;
  task.start_time = 50;
  write([&](IndexStore& index) {
    index.index_workflow(workflow);
    index.index_task(task);
  });
  workflow.update_time = 100;
  workflow.workflow_type = "billing_flow";
  task.update_time = 100;
  task.task_def_name = "card_check_v2";
  write([&](IndexStore& index) {
    index.index_workflow(workflow);
    index.index_task(task);
  });
  CHECK(hits("shipped") == 1);
  CHECK(hits("c-9") == 2);
  CHECK(hits("declined") == 2);
  CHECK(hits("order") == 0);
  CHECK(hits("billing") == 1);
  CHECK(hits("v2") == 1);

  Connection db(options.path, {});
  auto integrity = [&] {
    for (const char* table : {"workflow_text", "task_text"}) {
      INFO(table);
      CHECK_NOTHROW(db.exec(std::string("INSERT INTO ") + table + " (" + table + ") VALUES ('integrity-check')"));
    }
  };
  integrity();
  write([](IndexStore& index) { index.remove_workflow("wf-1"); });
  CHECK(hits("ada") == 0);
  CHECK(hits("visa") == 0);
  integrity();
}

TEST_CASE("sqlite storage: a task row reads as stored after a rollback and another connection's write",
          "[storage]") {
  TempDir dir;
  SqliteOptions options{(dir.path() / "db.sqlite").string(), SqliteSync::kOff};
  auto first = open_sqlite(options);
  auto second = open_sqlite(options);  // another process, as far as SQLite can tell
  Task task;
  task.task_id = "t-1";
  task.workflow_instance_id = "wf-1";
  task.reference_task_name = "work";
  task.workflow_task = WorkflowTask{.name = "work", .task_reference_name = "work"};
  auto status_in = [&](Storage& storage) {
    auto tx = storage.begin(TransactionMode::kRead);
    auto found = tx->execution().find_task("t-1");
    REQUIRE(found);
    CHECK(found->workflow_task == task.workflow_task);
    return found->status;
  };
  {
    auto tx = first->begin();
    tx->execution().insert_task(task);
    tx->commit();
  }
  CHECK(status_in(*first) == TaskStatus::kScheduled);
  {
    Task changed = task;
    changed.status = TaskStatus::kInProgress;
    auto tx = first->begin();
    tx->execution().update_task(changed);
  }  // rolled back
  CHECK(status_in(*first) == TaskStatus::kScheduled);
  {
    Task changed = task;
    changed.status = TaskStatus::kCompleted;
    changed.workflow_task.edit().name = "renamed";
    auto tx = second->begin();
    tx->execution().update_task(changed);
    tx->commit();
    task = changed;
  }
  CHECK(status_in(*first) == TaskStatus::kCompleted);
}

TEST_CASE("sqlite storage: cached definitions follow writes made through another connection", "[storage]") {
  TempDir dir;
  SqliteOptions options{(dir.path() / "db.sqlite").string(), SqliteSync::kOff};
  auto first = open_sqlite(options);
  auto second = open_sqlite(options);  // another process, as far as SQLite can tell
  auto read_retries = [&] {
    auto tx = first->begin(TransactionMode::kRead);
    auto def = tx->metadata().find_task_def("work");
    return def ? def->retry_count : -1;
  };
  CHECK(read_retries() == -1);  // absence is cached too
  TaskDef def = task_def("work");
  def.retry_count = 1;
  {
    auto tx = second->begin();
    tx->metadata().put_task_def(def);
    tx->commit();
  }
  CHECK(read_retries() == 1);
  def.retry_count = 2;
  {
    auto tx = second->begin();
    tx->metadata().put_task_def(def);
    tx->commit();
  }
  CHECK(read_retries() == 2);
  {
    auto tx = second->begin();
    tx->metadata().remove_task_def("work");
    tx->commit();
  }
  CHECK(read_retries() == -1);
}

TEST_CASE("sqlite storage: a database with a newer schema is refused", "[storage]") {
  TempDir dir;
  SqliteOptions options{(dir.path() / "db.sqlite").string()};
  open_sqlite(options).reset();
  {
    Connection db(options.path, {});
    db.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", 999, "from the future");
  }
  CHECK_THROWS_AS(open_sqlite(options), StorageError);
}

TEST_CASE("sqlite storage: a path that cannot be opened is a storage error", "[storage]") {
  TempDir dir;
  CHECK_THROWS_AS(open_sqlite(SqliteOptions{(dir.path() / "missing" / "db.sqlite").string()}), StorageError);
}

TEST_CASE("sqlite storage: a file database runs in WAL mode", "[storage]") {
  TempDir dir;
  SqliteOptions options{(dir.path() / "db.sqlite").string(), SqliteSync::kFull};
  auto storage = open_sqlite(options);
  Connection db(options.path, {.wal = false});
  auto mode = db.query("PRAGMA journal_mode");
  REQUIRE(mode->step());
  CHECK(mode->text(0) == "wal");
}

TEST_CASE("sqlite storage: readers do not wait for the writer and see only committed data", "[storage]") {
  TempDir dir;
  auto storage = open_sqlite(SqliteOptions{(dir.path() / "db.sqlite").string(), SqliteSync::kOff});
  {
    auto tx = storage->begin();
    tx->metadata().put_task_def(task_def("committed"));
    tx->commit();
  }
  auto writer = storage->begin();
  writer->metadata().put_task_def(task_def("pending"));
  {
    // Same thread, writer still open: this would deadlock if reads queued behind the writer.
    auto reader = storage->begin(TransactionMode::kRead);
    CHECK(reader->metadata().find_task_def("committed"));
    CHECK_FALSE(reader->metadata().find_task_def("pending"));
  }
  writer->commit();
  auto reader = storage->begin(TransactionMode::kRead);
  CHECK(reader->metadata().find_task_def("pending"));
}

TEST_CASE("sqlite storage: a write lock held by another process is a retryable error", "[storage]") {
  TempDir dir;
  SqliteOptions options{(dir.path() / "db.sqlite").string(), SqliteSync::kOff, std::chrono::milliseconds(0)};
  auto first = open_sqlite(options);
  auto second = open_sqlite(options);  // another process, as far as SQLite can tell
  auto holding = first->begin();
  holding->metadata().put_task_def(task_def("first"));
  CHECK_THROWS_AS(second->begin(), UnavailableError);
  holding->commit();
  auto tx = second->begin();
  tx->metadata().put_task_def(task_def("second"));
  tx->commit();
  auto check = first->begin(TransactionMode::kRead);
  CHECK(check->metadata().list_task_defs().size() == 2);
}

TEST_CASE("sqlite storage: a thread asking for the writer twice is refused instead of deadlocking", "[storage]") {
  TempDir dir;
  for (const std::string& path : {std::string(":memory:"), (dir.path() / "db.sqlite").string()}) {
    INFO(path);
    auto storage = open_sqlite(SqliteOptions{path, SqliteSync::kOff});
    auto outer = storage->begin();
    outer->metadata().put_task_def(task_def("outer"));
    CHECK_THROWS_AS(storage->begin(), StorageError);
    if (path == ":memory:") {
      // In memory, reads share the one connection too.
      CHECK_THROWS_AS(storage->begin(TransactionMode::kRead), StorageError);
    }
    outer->commit();
    // Once the first has ended, the thread may begin again.
    auto inner = storage->begin();
    CHECK(inner->metadata().find_task_def("outer"));
  }
}

TEST_CASE("sqlite storage: a file of another application or not a database at all is refused at open", "[storage]") {
  TempDir dir;
  const std::string foreign = (dir.path() / "foreign.sqlite").string();
  {
    Connection db(foreign, {});
    db.exec("CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT)");
  }
  CHECK_THROWS_WITH(open_sqlite(SqliteOptions{foreign}), Catch::Contains("tables of another application"));
  {
    // Nothing of ours was added to it.
    Connection db(foreign, {});
    auto tables = db.query("SELECT count(*) FROM sqlite_master WHERE type = 'table'");
    REQUIRE(tables->step());
    CHECK(tables->integer(0) == 1);
  }

  const std::string garbage = (dir.path() / "garbage.sqlite").string();
  std::ofstream(garbage) << std::string(8192, 'x');
  CHECK_THROWS_WITH(open_sqlite(SqliteOptions{garbage}), Catch::Contains("not an intact SQLite database"));
}

TEST_CASE("sqlite storage: a full database refuses writes as unavailable, keeps its data and resumes with space",
          "[storage]") {
  TempDir dir;
  SqliteOptions options{(dir.path() / "db.sqlite").string(), SqliteSync::kOff};
  const std::string padding(16 * 1024, 'p');
  std::vector<std::string> stored;
  {
    auto storage = open_sqlite(options);
    auto tx = storage->begin();
    for (const std::string name : {"first", "second"}) {
      TaskDef def = task_def(name);
      def.description = padding;
      tx->metadata().put_task_def(def);
      stored.push_back(name);
    }
    tx->commit();
  }
  // The limit cannot go below the file's size, so this caps it where it is now.
  options.max_size_bytes = 1;
  auto storage = open_sqlite(options);
  std::optional<std::string> refusal;
  for (int i = 0; i < 1000 && !refusal; ++i) {
    TaskDef def = task_def("def" + std::to_string(i));
    def.description = padding;
    try {
      auto tx = storage->begin();
      tx->metadata().put_task_def(def);
      tx->commit();
      stored.push_back(def.name);
    } catch (const UnavailableError& error) {
      refusal = error.what();
    }
  }
  REQUIRE(refusal);
  CHECK_THAT(*refusal, Catch::Contains("full") && Catch::Contains("writes are refused until space is freed"));
  {
    // Reads go on, and show every committed write and nothing of the refused one.
    auto reader = storage->begin(TransactionMode::kRead);
    CHECK(reader->metadata().list_task_defs().size() == stored.size());
  }
  // Space returns: removing definitions frees pages, and writes succeed again.
  {
    auto tx = storage->begin();
    tx->metadata().remove_task_def(stored.back());
    tx->metadata().remove_task_def(stored.front());
    tx->commit();
  }
  TaskDef def = task_def("after");
  def.description = padding;
  auto tx = storage->begin();
  tx->metadata().put_task_def(def);
  tx->commit();
  auto reader = storage->begin(TransactionMode::kRead);
  CHECK(reader->metadata().find_task_def("after"));
  CHECK(reader->metadata().list_task_defs().size() == stored.size() - 1);
}
