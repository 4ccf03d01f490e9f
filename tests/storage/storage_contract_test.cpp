// The storage contract: what every backend must do, written against the interfaces of
// include/conductor/storage/storage.hpp only. Each case runs once per backend fixture.

#include <conductor/codec.hpp>
#include <conductor/error.hpp>
#include <conductor/storage/storage.hpp>

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "storage/storage_fixtures.hpp"

using namespace conductor;
using conductor::testing::SqliteFileFixture;
using conductor::testing::SqliteMemoryFixture;

// Another backend's test file includes this one with its own fixtures in STORAGE_CONTRACT_FIXTURES.
#ifndef STORAGE_CONTRACT_FIXTURES
#define STORAGE_CONTRACT_FIXTURES SqliteMemoryFixture, SqliteFileFixture
#endif
#define STORAGE_CONTRACT(name) TEMPLATE_TEST_CASE(name, "[storage]", STORAGE_CONTRACT_FIXTURES)

namespace {

/// Stored form, to compare whole entities: equal text means the entity round-tripped exactly.
template <class T>
std::string stored(const T& value) {
  return encode(value, JsonMode::kStorage);
}

template <class Body>
void write(Storage& storage, Body&& body) {
  auto tx = storage.begin(TransactionMode::kWrite);
  body(*tx);
  tx->commit();
}

/// Runs `body` and commits, expecting E from one of its writes or from the commit (a backend may
/// report a write's error later); the transaction is then dropped, committing nothing.
template <class E, class Body>
void write_fails(Storage& storage, Body&& body) {
  auto tx = storage.begin(TransactionMode::kWrite);
  CHECK_THROWS_AS((body(*tx), tx->commit()), E);
}

template <class Body>
auto read(Storage& storage, Body&& body) {
  auto tx = storage.begin(TransactionMode::kRead);
  return body(*tx);
}

TaskDef task_def(const std::string& name, int retry_count = 3) {
  TaskDef def;
  def.name = name;
  def.retry_count = retry_count;
  def.description = "task " + name;
  def.input_keys = {"a", "b"};
  return def;
}

WorkflowDef workflow_def(const std::string& name, int version) {
  WorkflowDef def;
  def.name = name;
  def.version = version;
  WorkflowTask node;
  node.name = "work";
  node.task_reference_name = "work_ref";
  def.tasks.push_back(node);
  def.input_parameters = {"x"};
  return def;
}

EventHandler event_handler(const std::string& name) {
  EventHandler handler;
  handler.name = name;
  handler.event = "conductor:flow:" + name;
  handler.active = true;
  EventAction action;
  action.action = EventActionType::kCompleteTask;
  handler.actions.push_back(action);
  return handler;
}

Workflow workflow(const std::string& id, const std::string& name = "flow", int version = 1) {
  Workflow wf;
  wf.workflow_id = id;
  wf.workflow_definition = workflow_def(name, version);
  wf.create_time = 1000;
  wf.update_time = 1000;
  wf.input["order"] = id;
  wf.variables["counter"] = 1;
  return wf;
}

Task task(const std::string& id, const std::string& workflow_id, const std::string& ref, int seq,
          int retry_count = 0) {
  Task t;
  t.task_id = id;
  t.workflow_instance_id = workflow_id;
  t.reference_task_name = ref;
  t.task_def_name = "work";
  t.task_type = "work";
  t.workflow_type = "flow";
  t.seq = seq;
  t.retry_count = retry_count;
  t.scheduled_time = 1000 + seq;
  t.input_data["seq"] = seq;
  return t;
}

std::vector<std::string> task_ids(const std::vector<Task>& tasks) {
  std::vector<std::string> ids;
  for (const Task& t : tasks) {
    ids.push_back(t.task_id);
  }
  return ids;
}

std::vector<std::string> workflow_ids(const std::vector<Workflow>& workflows) {
  std::vector<std::string> ids;
  for (const Workflow& wf : workflows) {
    ids.push_back(wf.workflow_id);
  }
  return ids;
}

std::vector<std::string> sorted(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  return values;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Metadata

STORAGE_CONTRACT("storage: task definitions are created, replaced, listed by name and removed") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    tx.metadata().put_task_def(task_def("b"));
    tx.metadata().put_task_def(task_def("a"));
    tx.metadata().put_task_def(task_def("b", 7));
  });
  read(storage, [](Transaction& tx) {
    auto found = tx.metadata().find_task_def("b");
    REQUIRE(found);
    CHECK(stored(*found) == stored(task_def("b", 7)));
    CHECK_FALSE(tx.metadata().find_task_def("missing"));
    auto all = tx.metadata().list_task_defs();
    REQUIRE(all.size() == 2);
    CHECK(all[0].name == "a");
    CHECK(all[1].retry_count == 7);
    return 0;
  });
  write(storage, [](Transaction& tx) {
    CHECK(tx.metadata().remove_task_def("a"));
    CHECK_FALSE(tx.metadata().remove_task_def("a"));
  });
  read(storage, [](Transaction& tx) {
    CHECK_FALSE(tx.metadata().find_task_def("a"));
    CHECK(tx.metadata().list_task_defs().size() == 1);
    return 0;
  });
}

STORAGE_CONTRACT("storage: workflow definitions are keyed by name and version, latest is the highest") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    tx.metadata().put_workflow_def(workflow_def("flow", 2));
    tx.metadata().put_workflow_def(workflow_def("flow", 10));
    tx.metadata().put_workflow_def(workflow_def("flow", 1));
    tx.metadata().put_workflow_def(workflow_def("another", 3));
    WorkflowDef replaced = workflow_def("flow", 2);
    replaced.description = "second";
    tx.metadata().put_workflow_def(replaced);
  });
  read(storage, [](Transaction& tx) {
    auto latest = tx.metadata().find_workflow_def("flow", std::nullopt);
    REQUIRE(latest);
    CHECK(latest->version == 10);
    CHECK(stored(*latest) == stored(workflow_def("flow", 10)));
    auto second = tx.metadata().find_workflow_def("flow", 2);
    REQUIRE(second);
    CHECK(second->description == "second");
    CHECK_FALSE(tx.metadata().find_workflow_def("flow", 3));
    CHECK_FALSE(tx.metadata().find_workflow_def("missing", std::nullopt));
    std::vector<std::pair<std::string, int>> keys;
    for (const WorkflowDef& def : tx.metadata().list_workflow_defs()) {
      keys.emplace_back(def.name, def.version);
    }
    CHECK(keys == std::vector<std::pair<std::string, int>>{{"another", 3}, {"flow", 1}, {"flow", 2}, {"flow", 10}});
    return 0;
  });
  write(storage, [](Transaction& tx) {
    CHECK(tx.metadata().remove_workflow_def("flow", 10));
    CHECK_FALSE(tx.metadata().remove_workflow_def("flow", 10));
  });
  read(storage, [](Transaction& tx) {
    CHECK(tx.metadata().find_workflow_def("flow", std::nullopt)->version == 2);
    return 0;
  });
}

STORAGE_CONTRACT("storage: event handlers are created, replaced, listed by name and removed") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    tx.metadata().put_event_handler(event_handler("second"));
    tx.metadata().put_event_handler(event_handler("first"));
    EventHandler inactive = event_handler("second");
    inactive.active = false;
    tx.metadata().put_event_handler(inactive);
  });
  read(storage, [](Transaction& tx) {
    auto found = tx.metadata().find_event_handler("first");
    REQUIRE(found);
    CHECK(stored(*found) == stored(event_handler("first")));
    CHECK_FALSE(tx.metadata().find_event_handler("second")->active);
    CHECK_FALSE(tx.metadata().find_event_handler("missing"));
    auto all = tx.metadata().list_event_handlers();
    REQUIRE(all.size() == 2);
    CHECK(all[0].name == "first");
    CHECK(all[1].name == "second");
    return 0;
  });
  write(storage, [](Transaction& tx) {
    CHECK(tx.metadata().remove_event_handler("first"));
    CHECK_FALSE(tx.metadata().remove_event_handler("first"));
  });
  read(storage, [](Transaction& tx) {
    CHECK(tx.metadata().list_event_handlers().size() == 1);
    return 0;
  });
}

// ---------------------------------------------------------------------------------------------
// Workflows and tasks

STORAGE_CONTRACT("storage: a workflow row is stored without its tasks, which are read back by seq") {
  TestType fixture;
  Storage& storage = fixture.storage();
  Workflow wf = workflow("wf-1");
  wf.correlation_id = "order-7";
  wf.parent_workflow_id = "parent";
  wf.tasks = {task("t-1", "wf-1", "a", 1)};  // ignored by insert_workflow
  write(storage, [&](Transaction& tx) {
    tx.execution().insert_workflow(wf);
    tx.execution().insert_task(task("t-3", "wf-1", "c", 3));
    tx.execution().insert_task(task("t-1", "wf-1", "a", 1));
    tx.execution().insert_task(task("t-2", "wf-1", "b", 2));
  });
  read(storage, [&](Transaction& tx) {
    auto bare = tx.execution().find_workflow("wf-1", false);
    REQUIRE(bare);
    CHECK(bare->tasks.empty());
    Workflow expected = wf;
    expected.tasks.clear();
    CHECK(stored(*bare) == stored(expected));

    auto full = tx.execution().find_workflow("wf-1", true);
    REQUIRE(full);
    CHECK(task_ids(full->tasks) == std::vector<std::string>{"t-1", "t-2", "t-3"});
    CHECK(stored(full->tasks[1]) == stored(task("t-2", "wf-1", "b", 2)));
    CHECK_FALSE(tx.execution().find_workflow("missing", true));
    return 0;
  });
}

STORAGE_CONTRACT("storage: update_workflow replaces the row and rejects unknown ids") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) { tx.execution().insert_workflow(workflow("wf-1")); });
  Workflow updated = workflow("wf-1");
  updated.status = WorkflowStatus::kCompleted;
  updated.end_time = 5000;
  updated.output["result"] = "done";
  write(storage, [&](Transaction& tx) { tx.execution().update_workflow(updated); });
  write_fails<NotFoundError>(storage, [](Transaction& tx) { tx.execution().update_workflow(workflow("missing")); });
  read(storage, [&](Transaction& tx) {
    CHECK(stored(*tx.execution().find_workflow("wf-1", false)) == stored(updated));
    return 0;
  });
}

STORAGE_CONTRACT("storage: every write to a workflow advances its version, conditional writes check it") {
  TestType fixture;
  Storage& storage = fixture.storage();
  std::int64_t inserted = 0;
  write(storage, [&](Transaction& tx) { inserted = tx.execution().insert_workflow(workflow("wf-1")); });
  auto version = [&] {
    return read(storage, [](Transaction& tx) { return tx.execution().workflow_version("wf-1").value(); });
  };
  CHECK(version() == inserted);
  CHECK_FALSE(read(storage, [](Transaction& tx) { return tx.execution().workflow_version("missing").has_value(); }));

  Workflow updated = workflow("wf-1");
  updated.status = WorkflowStatus::kPaused;
  write_fails<StaleVersionError>(storage,
                                 [&](Transaction& tx) { tx.execution().update_workflow_if(updated, inserted + 7); });
  CHECK(version() == inserted);
  write(storage, [&](Transaction& tx) { tx.execution().update_workflow_if(updated, inserted); });
  CHECK(version() == inserted + 1);
  read(storage, [&](Transaction& tx) {
    CHECK(tx.execution().find_workflow("wf-1", false)->status == WorkflowStatus::kPaused);
    return 0;
  });
  write_fails<StaleVersionError>(storage, [&](Transaction& tx) { tx.execution().advance_version_if("wf-1", inserted); });
  write(storage, [&](Transaction& tx) {
    tx.execution().advance_version_if("wf-1", inserted + 1);
    CHECK(tx.execution().advance_version("wf-1") == inserted + 3);
    tx.execution().update_workflow(updated);
    CHECK_FALSE(tx.execution().advance_version("missing"));
  });
  write_fails<StaleVersionError>(storage, [](Transaction& tx) { tx.execution().advance_version_if("missing", 0); });
  write_fails<StaleVersionError>(storage,
                                 [](Transaction& tx) { tx.execution().update_workflow_if(workflow("missing"), 0); });
  CHECK(version() == inserted + 4);
  // A rolled-back advance leaves the version as it was.
  {
    auto tx = storage.begin();
    tx->execution().advance_version("wf-1");
  }
  CHECK(version() == inserted + 4);
  // Removed and stored again under the same id: a new version, not the old one.
  write(storage, [&](Transaction& tx) {
    tx.execution().remove_workflow("wf-1");
    CHECK(tx.execution().insert_workflow(workflow("wf-1")) != inserted);
  });
}

STORAGE_CONTRACT("storage: a workflow's definition snapshot round-trips, also when an update changes it") {
  TestType fixture;
  Storage& storage = fixture.storage();
  Workflow first = workflow("wf-1");
  Workflow second = workflow("wf-2");  // the same definition: may share its stored snapshot
  write(storage, [&](Transaction& tx) {
    tx.execution().insert_workflow(first);
    tx.execution().insert_workflow(second);
  });
  Workflow changed = first;
  changed.workflow_definition.edit().description = "edited while running";
  changed.workflow_definition.edit().tasks.front().input_parameters["added"] = "${workflow.input.x}";
  write(storage, [&](Transaction& tx) { tx.execution().update_workflow(changed); });
  fixture.reopen();
  read(fixture.storage(), [&](Transaction& tx) {
    CHECK(stored(*tx.execution().find_workflow("wf-1", false)) == stored(changed));
    CHECK(stored(*tx.execution().find_workflow("wf-2", false)) == stored(second));
    return 0;
  });
  // Back to the original definition, after the store has seen the changed one.
  write(fixture.storage(), [&](Transaction& tx) { tx.execution().update_workflow(first); });
  read(fixture.storage(), [&](Transaction& tx) {
    CHECK(stored(*tx.execution().find_workflow("wf-1", false)) == stored(first));
    return 0;
  });
}

STORAGE_CONTRACT("storage: inserting an existing workflow id is a conflict") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) { tx.execution().insert_workflow(workflow("wf-1")); });
  write_fails<ConflictError>(storage, [](Transaction& tx) { tx.execution().insert_workflow(workflow("wf-1", "other")); });
  read(storage, [](Transaction& tx) {
    CHECK(tx.execution().find_workflow("wf-1", false)->workflow_name() == "flow");
    return 0;
  });
}

STORAGE_CONTRACT("storage: an idempotency key is unique per workflow name") {
  TestType fixture;
  Storage& storage = fixture.storage();
  Workflow first = workflow("wf-1");
  first.idempotency_key = "key";
  Workflow other_name = workflow("wf-2", "other");
  other_name.idempotency_key = "key";
  write(storage, [&](Transaction& tx) {
    tx.execution().insert_workflow(first);
    tx.execution().insert_workflow(other_name);
    // Workflows without a key never clash.
    tx.execution().insert_workflow(workflow("wf-3"));
    tx.execution().insert_workflow(workflow("wf-4"));
  });
  Workflow clash = workflow("wf-5");
  clash.idempotency_key = "key";
  write_fails<ConflictError>(storage, [&](Transaction& tx) { tx.execution().insert_workflow(clash); });
  read(storage, [](Transaction& tx) {
    auto found = tx.execution().find_workflow_by_idempotency_key("flow", "key");
    REQUIRE(found);
    CHECK(found->workflow_id == "wf-1");
    CHECK(found->tasks.empty());
    CHECK(tx.execution().find_workflow_by_idempotency_key("other", "key")->workflow_id == "wf-2");
    CHECK_FALSE(tx.execution().find_workflow_by_idempotency_key("flow", "nope"));
    CHECK_FALSE(tx.execution().find_workflow("wf-5", false));
    return 0;
  });
}

STORAGE_CONTRACT("storage: running workflow ids cover RUNNING and PAUSED, optionally one version") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    auto add = [&](const std::string& id, int version, WorkflowStatus status, const std::string& name = "flow") {
      Workflow wf = workflow(id, name, version);
      wf.status = status;
      tx.execution().insert_workflow(wf);
    };
    add("run-1", 1, WorkflowStatus::kRunning);
    add("run-2", 2, WorkflowStatus::kRunning);
    add("paused-1", 1, WorkflowStatus::kPaused);
    add("done-1", 1, WorkflowStatus::kCompleted);
    add("failed-2", 2, WorkflowStatus::kFailed);
    add("other-1", 1, WorkflowStatus::kRunning, "other");
  });
  read(storage, [](Transaction& tx) {
    CHECK(sorted(tx.execution().running_workflow_ids("flow", std::nullopt)) ==
          std::vector<std::string>{"paused-1", "run-1", "run-2"});
    CHECK(sorted(tx.execution().running_workflow_ids("flow", 1)) == std::vector<std::string>{"paused-1", "run-1"});
    CHECK(tx.execution().running_workflow_ids("flow", 3).empty());
    CHECK(tx.execution().running_workflow_ids("missing", std::nullopt).empty());
    return 0;
  });
  // A status change moves a workflow out of the running set.
  write(storage, [](Transaction& tx) {
    Workflow wf = *tx.execution().find_workflow("run-1", false);
    wf.status = WorkflowStatus::kTerminated;
    tx.execution().update_workflow(wf);
  });
  read(storage, [](Transaction& tx) {
    CHECK(tx.execution().running_workflow_ids("flow", 1) == std::vector<std::string>{"paused-1"});
    return 0;
  });
}

STORAGE_CONTRACT("storage: ended workflows come earliest end first, by name, children after their parent") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    auto add = [&](const std::string& id, WorkflowStatus status, std::int64_t end, const std::string& name = "flow",
                   std::optional<std::string> parent = std::nullopt) {
      Workflow wf = workflow(id, name);
      wf.status = status;
      wf.end_time = end;
      wf.parent_workflow_id = parent;
      tx.execution().insert_workflow(wf);
    };
    add("done-30", WorkflowStatus::kCompleted, 30);
    add("failed-10", WorkflowStatus::kFailed, 10);
    add("timed-out-20", WorkflowStatus::kTimedOut, 20);
    add("terminated-40", WorkflowStatus::kTerminated, 40, "other");
    add("running", WorkflowStatus::kRunning, 0);
    add("paused", WorkflowStatus::kPaused, 0);
    add("late-90", WorkflowStatus::kCompleted, 90);
    add("child-5", WorkflowStatus::kCompleted, 5, "child", "done-30");
    add("orphan-6", WorkflowStatus::kCompleted, 6, "child", "removed-parent");
  });
  read(storage, [](Transaction& tx) {
    auto& execution = tx.execution();
    CHECK(execution.ended_workflow_ids({.ended_before = 50}) ==
          std::vector<std::string>{"orphan-6", "failed-10", "timed-out-20", "done-30", "terminated-40"});
    CHECK(execution.ended_workflow_ids({.ended_before = 50, .limit = 2}) ==
          std::vector<std::string>{"orphan-6", "failed-10"});
    CHECK(execution.ended_workflow_ids({.ended_before = 30}) ==
          std::vector<std::string>{"orphan-6", "failed-10", "timed-out-20"});
    CHECK(execution.ended_workflow_ids({.ended_before = 100, .name = "other"}) ==
          std::vector<std::string>{"terminated-40"});
    CHECK(execution.ended_workflow_ids({.ended_before = 100, .except_names = {"flow", "child"}}) ==
          std::vector<std::string>{"terminated-40"});
    return 0;
  });
  // Once its parent is gone, a child is an ended workflow like any other.
  write(storage, [](Transaction& tx) { tx.execution().remove_workflow("done-30"); });
  read(storage, [](Transaction& tx) {
    CHECK(tx.execution().ended_workflow_ids({.ended_before = 8, .name = "child"}) ==
          std::vector<std::string>{"child-5", "orphan-6"});
    return 0;
  });
}

STORAGE_CONTRACT("storage: workflows by correlation id come newest first, without closed ones only RUNNING") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    auto add = [&](const std::string& id, std::int64_t created, WorkflowStatus status, const std::string& cid,
                   const std::string& name = "flow") {
      Workflow wf = workflow(id, name);
      wf.create_time = created;
      wf.status = status;
      wf.correlation_id = cid;
      tx.execution().insert_workflow(wf);
    };
    add("old", 100, WorkflowStatus::kRunning, "c1");
    add("new", 300, WorkflowStatus::kRunning, "c1");
    add("closed", 200, WorkflowStatus::kCompleted, "c1");
    add("paused", 250, WorkflowStatus::kPaused, "c1");
    add("other-cid", 400, WorkflowStatus::kRunning, "c2");
    add("other-name", 500, WorkflowStatus::kRunning, "c1", "other");
    tx.execution().insert_workflow(workflow("no-cid"));
    tx.execution().insert_task(task("t-1", "old", "a", 1));
  });
  read(storage, [](Transaction& tx) {
    auto open = tx.execution().workflows_by_correlation_id("flow", "c1", false);
    CHECK(workflow_ids(open) == std::vector<std::string>{"new", "old"});
    CHECK(open[1].tasks.empty());
    CHECK(workflow_ids(tx.execution().workflows_by_correlation_id("flow", "c1", true)) ==
          std::vector<std::string>{"new", "paused", "closed", "old"});
    CHECK(tx.execution().workflows_by_correlation_id("flow", "none", true).empty());
    return 0;
  });
}

STORAGE_CONTRACT("storage: removing a workflow removes its tasks and their logs") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    tx.execution().insert_workflow(workflow("wf-1"));
    tx.execution().insert_workflow(workflow("wf-2"));
    tx.execution().insert_task(task("t-1", "wf-1", "a", 1));
    tx.execution().insert_task(task("t-2", "wf-2", "a", 1));
    tx.execution().add_task_logs({{"line", "t-1", 10}, {"kept", "t-2", 10}});
  });
  write(storage, [](Transaction& tx) {
    CHECK(tx.execution().remove_workflow("wf-1"));
    CHECK_FALSE(tx.execution().remove_workflow("wf-1"));
  });
  read(storage, [](Transaction& tx) {
    CHECK_FALSE(tx.execution().find_workflow("wf-1", true));
    CHECK_FALSE(tx.execution().find_task("t-1"));
    CHECK(tx.execution().tasks_of("wf-1").empty());
    CHECK(tx.execution().task_logs("t-1").empty());
    CHECK(tx.execution().find_task("t-2"));
    CHECK(tx.execution().task_logs("t-2").size() == 1);
    return 0;
  });
}

STORAGE_CONTRACT("storage: a task is deduplicated on workflow, reference name and retry count") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    tx.execution().insert_workflow(workflow("wf-1"));
    tx.execution().insert_task(task("t-1", "wf-1", "a", 1));
    tx.execution().insert_task(task("t-retry", "wf-1", "a", 3, 1));
    tx.execution().insert_task(task("t-other-wf", "wf-2", "a", 1));
  });
  Task duplicate = task("t-dup", "wf-1", "a", 2);
  duplicate.input_data["changed"] = true;
  write_fails<StaleVersionError>(storage, [&](Transaction& tx) { tx.execution().insert_task(duplicate); });
  write_fails<ConflictError>(storage, [](Transaction& tx) { tx.execution().insert_task(task("t-1", "wf-1", "z", 9)); });
  read(storage, [](Transaction& tx) {
    CHECK_FALSE(tx.execution().find_task("t-dup"));
    CHECK(stored(*tx.execution().find_task("t-1")) == stored(task("t-1", "wf-1", "a", 1)));
    CHECK(task_ids(tx.execution().tasks_of("wf-1")) == std::vector<std::string>{"t-1", "t-retry"});
    return 0;
  });
}

STORAGE_CONTRACT("storage: tasks are updated, found and removed by id") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    tx.execution().insert_task(task("t-1", "wf-1", "a", 1));
    tx.execution().add_task_logs({{"line", "t-1", 10}});
  });
  Task updated = task("t-1", "wf-1", "a", 1);
  updated.status = TaskStatus::kCompleted;
  updated.output_data["answer"] = 42;
  updated.worker_id = "worker-9";
  write(storage, [&](Transaction& tx) { tx.execution().update_task(updated); });
  write_fails<NotFoundError>(storage, [](Transaction& tx) { tx.execution().update_task(task("missing", "wf-1", "b", 2)); });
  read(storage, [&](Transaction& tx) {
    CHECK(stored(*tx.execution().find_task("t-1")) == stored(updated));
    CHECK_FALSE(tx.execution().find_task("missing"));
    return 0;
  });
  write(storage, [](Transaction& tx) {
    CHECK(tx.execution().remove_task("t-1"));
    CHECK_FALSE(tx.execution().remove_task("t-1"));
  });
  read(storage, [](Transaction& tx) {
    CHECK_FALSE(tx.execution().find_task("t-1"));
    CHECK(tx.execution().task_logs("t-1").empty());
    return 0;
  });
}

STORAGE_CONTRACT("storage: in-progress task ids per definition come oldest start first, up to a limit") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    auto add = [&](const std::string& id, const std::string& def, TaskStatus status, std::int64_t start) {
      Task t = task(id, "wf-" + id, "ref", 1);
      t.task_def_name = def;
      t.status = status;
      t.start_time = start;
      tx.execution().insert_task(t);
    };
    add("late", "work", TaskStatus::kInProgress, 300);
    add("early", "work", TaskStatus::kInProgress, 100);
    add("middle", "work", TaskStatus::kInProgress, 200);
    add("scheduled", "work", TaskStatus::kScheduled, 0);
    add("done", "work", TaskStatus::kCompleted, 50);
    add("other", "other", TaskStatus::kInProgress, 10);
  });
  read(storage, [](Transaction& tx) {
    CHECK(tx.execution().in_progress_task_ids("work", 10) == std::vector<std::string>{"early", "middle", "late"});
    CHECK(tx.execution().in_progress_task_ids("work", 2) == std::vector<std::string>{"early", "middle"});
    CHECK(tx.execution().in_progress_task_ids("work", 0).empty());
    CHECK(tx.execution().in_progress_task_ids("missing", 10).empty());
    return 0;
  });
  write(storage, [](Transaction& tx) {
    Task t = *tx.execution().find_task("early");
    t.status = TaskStatus::kCompleted;
    tx.execution().update_task(t);
  });
  read(storage, [](Transaction& tx) {
    CHECK(tx.execution().in_progress_task_ids("work", 10) == std::vector<std::string>{"middle", "late"});
    return 0;
  });
}

STORAGE_CONTRACT("storage: pending tasks of a type are the non-terminal ones in any domain") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    auto add = [&](const std::string& id, const std::string& type, TaskStatus status,
                   std::optional<std::string> domain = std::nullopt) {
      Task t = task(id, "wf-" + id, "ref", 1);
      t.task_type = type;
      t.status = status;
      t.domain = std::move(domain);
      tx.execution().insert_task(t);
    };
    add("scheduled", "WAIT", TaskStatus::kScheduled);
    add("running", "WAIT", TaskStatus::kInProgress, "east");
    add("completed", "WAIT", TaskStatus::kCompleted);
    add("failed", "WAIT", TaskStatus::kFailed);
    add("canceled", "WAIT", TaskStatus::kCanceled);
    add("other", "HTTP", TaskStatus::kScheduled);
  });
  read(storage, [](Transaction& tx) {
    CHECK(sorted(task_ids(tx.execution().pending_tasks_of_type("WAIT"))) ==
          std::vector<std::string>{"running", "scheduled"});
    CHECK(tx.execution().pending_tasks_of_type("JOIN").empty());
    return 0;
  });
}

STORAGE_CONTRACT("storage: task logs come back in creation order") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    tx.execution().add_task_logs({{"third", "t-1", 30}, {"first", "t-1", 10}, {"other", "t-2", 5}});
    tx.execution().add_task_logs({{"second", "t-1", 20}, {"fourth", "t-1", 30}});
    tx.execution().add_task_logs({});
  });
  read(storage, [](Transaction& tx) {
    std::vector<std::string> lines;
    for (const TaskExecLog& log : tx.execution().task_logs("t-1")) {
      CHECK(log.task_id == "t-1");
      lines.push_back(log.log);
    }
    CHECK(lines == std::vector<std::string>{"first", "second", "third", "fourth"});
    CHECK(tx.execution().task_logs("t-1").front().created_time == 10);
    CHECK(tx.execution().task_logs("none").empty());
    return 0;
  });
}

STORAGE_CONTRACT("storage: poll data keeps the last poll per queue and domain") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    tx.execution().put_poll_data({"work", std::nullopt, "w1", 100});
    tx.execution().put_poll_data({"work", std::nullopt, "w2", 200});
    tx.execution().put_poll_data({"work", "east", "w3", 150});
    tx.execution().put_poll_data({"other", std::nullopt, "w4", 50});
  });
  read(storage, [](Transaction& tx) {
    auto plain = tx.execution().find_poll_data("work", std::nullopt);
    REQUIRE(plain);
    CHECK(plain->worker_id == "w2");
    CHECK(plain->last_poll_time == 200);
    CHECK_FALSE(plain->domain);
    auto east = tx.execution().find_poll_data("work", "east");
    REQUIRE(east);
    CHECK(east->domain == "east");
    CHECK(east->worker_id == "w3");
    CHECK_FALSE(tx.execution().find_poll_data("work", "west"));
    CHECK_FALSE(tx.execution().find_poll_data("missing", std::nullopt));

    std::vector<std::string> workers;
    for (const PollData& data : tx.execution().poll_data("work")) {
      CHECK(data.queue_name == "work");
      workers.push_back(data.worker_id);
    }
    CHECK(sorted(workers) == std::vector<std::string>{"w2", "w3"});
    CHECK(tx.execution().poll_data("").size() == 3);
    CHECK(tx.execution().poll_data("missing").empty());
    return 0;
  });
}

STORAGE_CONTRACT("storage: the rate limit admits at most the limit within the sliding window") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    ExecutionStore& ex = tx.execution();
    CHECK(ex.try_admit_rate("work", 1000, 1000, 2));
    CHECK(ex.try_admit_rate("work", 1500, 1000, 2));
    CHECK_FALSE(ex.try_admit_rate("work", 1600, 1000, 2));
    CHECK(ex.try_admit_rate("other", 1600, 1000, 2));  // keys are independent
    // At 2001 the admission made at 1000 has left the window; the one at 1500 has not.
    CHECK(ex.try_admit_rate("work", 2001, 1000, 2));
    CHECK_FALSE(ex.try_admit_rate("work", 2002, 1000, 2));
    // A denial records nothing: once 1500 and 2001 age out, two more fit.
    CHECK(ex.try_admit_rate("work", 3100, 1000, 2));
    CHECK(ex.try_admit_rate("work", 3100, 1000, 2));
    CHECK_FALSE(ex.try_admit_rate("work", 3100, 1000, 2));
  });
}

// ---------------------------------------------------------------------------------------------
// Queues

STORAGE_CONTRACT("storage: pop serves priority first, then earliest visibility, then insertion order") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    QueueStore& q = tx.queues();
    q.push("work", "low-early", 0, 100);
    q.push("work", "high-late", 5, 300);
    q.push("work", "low-first", 0, 200);
    q.push("work", "low-second", 0, 200);
    q.push("work", "high-early", 5, 100);
    q.push("work", "top-delayed", 9, 10'000);
    q.push("other", "elsewhere", 9, 0);
  });
  write(storage, [](Transaction& tx) {
    CHECK(tx.queues().pop("work", 3, 1000, 60'000) ==
          std::vector<std::string>{"high-early", "high-late", "low-early"});
    CHECK(tx.queues().pop("work", 10, 1000, 60'000) == std::vector<std::string>{"low-first", "low-second"});
    CHECK(tx.queues().pop("work", 10, 1000, 60'000).empty());
    CHECK(tx.queues().pop("work", 0, 20'000, 60'000).empty());
  });
}

STORAGE_CONTRACT("storage: take serves in pop's order and deletes what it gives") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    QueueStore& q = tx.queues();
    q.push("work", "low-early", 0, 100);
    q.push("work", "high-late", 5, 300);
    q.push("work", "low-first", 0, 200);
    q.push("work", "high-early", 5, 100);
    q.push("work", "delayed", 9, 10'000);
    q.push("other", "elsewhere", 9, 0);
  });
  write(storage, [](Transaction& tx) {
    QueueStore& q = tx.queues();
    CHECK(q.take("work", 3, 1000) == std::vector<std::string>{"high-early", "high-late", "low-early"});
    CHECK_FALSE(q.contains("work", "high-early"));
    CHECK(q.take("work", 0, 1000).empty());
    CHECK(q.take("work", 10, 1000) == std::vector<std::string>{"low-first"});
    CHECK(q.take("work", 10, 1000).empty());
    CHECK(q.size("work") == 1);  // the delayed one stays
    CHECK(q.size("other") == 1);
    CHECK(q.take("work", 10, 10'000) == std::vector<std::string>{"delayed"});
  });
  // A rolled-back take gives nothing up.
  {
    auto tx = storage.begin();
    CHECK(tx->queues().take("other", 1, 0) == std::vector<std::string>{"elsewhere"});
  }
  CHECK(read(storage, [](Transaction& tx) { return tx.queues().contains("other", "elsewhere"); }));
}

STORAGE_CONTRACT("storage: take_tasks takes in pop's order and returns the tasks, a version it reads advances") {
  TestType fixture;
  Storage& storage = fixture.storage();
  std::int64_t inserted = 0;
  write(storage, [&](Transaction& tx) {
    inserted = tx.execution().insert_workflow(workflow("wf-1"));
    tx.execution().insert_task(task("t-1", "wf-1", "a", 1));
    tx.execution().insert_task(task("t-2", "wf-1", "b", 2));
    QueueStore& q = tx.queues();
    q.push("work", "t-2", 5, 100);
    q.push("work", "gone", 9, 100);  // its task does not exist: taken, not returned
    q.push("work", "t-1", 0, 100);
    q.push("work", "later", 9, 5000);
  });
  write(storage, [&](Transaction& tx) {
    CHECK(task_ids(tx.take_tasks("work", 2, 1000, "sweep").tasks) == std::vector<std::string>{"t-2"});
    CHECK(tx.take_tasks("work", 0, 1000, "sweep").tasks.empty());
    std::vector<Task> rest = tx.take_tasks("work", 10, 1000, "sweep").tasks;
    REQUIRE(task_ids(rest) == std::vector<std::string>{"t-1"});
    CHECK(stored(rest.front()) == stored(task("t-1", "wf-1", "a", 1)));
    CHECK(tx.queues().size("work") == 1);  // the later one stays
    // The hand-out stores the task and moves the workflow on, twice within this transaction.
    Task polled = rest.front();
    polled.status = TaskStatus::kInProgress;
    polled.worker_id = "w-1";
    CHECK(tx.execution().hand_out(polled) == inserted + 1);
    CHECK(tx.execution().advance_version("wf-1") == inserted + 2);
  });
  CHECK(read(storage, [](Transaction& tx) { return tx.execution().workflow_version("wf-1"); }) == inserted + 2);
  CHECK(read(storage, [](Transaction& tx) { return tx.execution().find_task("t-1")->worker_id; }) == "w-1");
  // Without a take before it, and for a task that is not stored.
  write(storage, [&](Transaction& tx) {
    Task second = task("t-2", "wf-1", "b", 2);
    second.status = TaskStatus::kInProgress;
    CHECK(tx.execution().hand_out(second) == inserted + 3);
  });
  CHECK(read(storage, [](Transaction& tx) { return tx.execution().find_task("t-2")->status; }) ==
        TaskStatus::kInProgress);
  write(storage, [](Transaction& tx) { tx.queues().push("again", "t-2", 0, 0); });
  write_fails<NotFoundError>(storage, [&](Transaction& tx) {
    CHECK(task_ids(tx.take_tasks("again", 1, 1000, "sweep").tasks) == std::vector<std::string>{"t-2"});
    tx.execution().hand_out(task("missing", "wf-1", "c", 3));
  });
  CHECK(read(storage, [](Transaction& tx) { return tx.execution().workflow_version("wf-1"); }) == inserted + 3);
  // Taken in a transaction whose conditional write then failed: nothing is taken.
  write(storage, [](Transaction& tx) { tx.queues().push("work", "t-1", 0, 0); });
  write_fails<StaleVersionError>(storage, [&](Transaction& tx) {
    CHECK(task_ids(tx.take_tasks("work", 1, 1000, "sweep").tasks) == std::vector<std::string>{"t-1"});
    tx.execution().advance_version_if("wf-1", inserted);
  });
  CHECK(read(storage, [](Transaction& tx) { return tx.queues().contains("work", "t-1"); }));
}

STORAGE_CONTRACT("storage: delayed messages are not popped before their visibility time") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    QueueStore& q = tx.queues();
    q.push("work", "later", 0, 5000);
    CHECK(q.pop("work", 1, 4999, 60'000).empty());
    CHECK(q.pop("work", 1, 5000, 60'000) == std::vector<std::string>{"later"});
  });
}

STORAGE_CONTRACT("storage: a popped message is in flight until the unack timeout, then redelivered") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    QueueStore& q = tx.queues();
    q.push("work", "m", 0, 0);
    CHECK(q.pop("work", 1, 1000, 500) == std::vector<std::string>{"m"});
    CHECK(q.contains("work", "m"));
    CHECK(q.pop("work", 1, 1499, 500).empty());
    CHECK(q.all_sizes()["work"].unacked == 1);
    CHECK(q.pop("work", 1, 1500, 500) == std::vector<std::string>{"m"});
    // Acknowledging deletes it for good.
    q.remove("work", "m");
    CHECK_FALSE(q.contains("work", "m"));
    q.remove("work", "m");  // nothing left to remove: no error
    CHECK(q.pop("work", 1, 100'000, 500).empty());
  });
}

STORAGE_CONTRACT("storage: push upserts, keeping the priority and making the message un-popped") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    QueueStore& q = tx.queues();
    q.push("work", "m", 7, 0);
    q.push("work", "plain", 3, 0);
    CHECK(q.pop("work", 1, 100, 60'000) == std::vector<std::string>{"m"});
    q.push("work", "m", 1, 200);  // re-push: priority 7 stays, visible at 200, no longer in flight
    CHECK(q.size("work") == 2);
    CHECK(q.all_sizes()["work"].unacked == 0);
    CHECK(q.pop("work", 2, 199, 60'000) == std::vector<std::string>{"plain"});
    q.push("work", "low", 5, 0);
    CHECK(q.pop("work", 2, 200, 60'000) == std::vector<std::string>{"m", "low"});
  });
}

STORAGE_CONTRACT("storage: push_if_absent leaves an existing message alone, popped or not") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    QueueStore& q = tx.queues();
    CHECK(q.push_if_absent("work", "m", 0, 0));
    CHECK_FALSE(q.push_if_absent("work", "m", 9, 0));
    CHECK(q.pop("work", 1, 10, 60'000) == std::vector<std::string>{"m"});
    CHECK_FALSE(q.push_if_absent("work", "m", 0, 0));
    CHECK(q.pop("work", 1, 20, 60'000).empty());  // still in flight
    CHECK(q.size("work") == 1);
    CHECK(q.push_if_absent("other", "m", 0, 0));  // queues are independent
  });
}

STORAGE_CONTRACT("storage: set_visible_at re-times a message, the if-earlier form only brings it forward") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    QueueStore& q = tx.queues();
    q.push("work", "m", 0, 1000);
    q.set_visible_at("work", "m", 5000);
    CHECK(q.next_visible_at("work") == 5000);
    q.set_visible_at_if_earlier("work", "m", 8000);  // later: unchanged
    CHECK(q.next_visible_at("work") == 5000);
    q.set_visible_at_if_earlier("work", "m", 3000);
    CHECK(q.next_visible_at("work") == 3000);
    CHECK(q.pop("work", 1, 2999, 60'000).empty());
    CHECK(q.pop("work", 1, 3000, 60'000) == std::vector<std::string>{"m"});
    // An in-flight message can be held longer, or released early.
    q.set_visible_at("work", "m", 4000);
    CHECK(q.pop("work", 1, 4000, 60'000) == std::vector<std::string>{"m"});
    // No such message: nothing appears.
    q.set_visible_at("work", "missing", 1);
    q.set_visible_at_if_earlier("work", "missing", 1);
    q.set_visible_at("other", "m", 1);
    CHECK_FALSE(q.contains("work", "missing"));
    CHECK(q.size("other") == 0);
  });
}

STORAGE_CONTRACT("storage: queue sizes count delayed and in-flight messages, flush empties one queue") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    QueueStore& q = tx.queues();
    q.push("a", "1", 0, 0);
    q.push("a", "2", 0, 0);
    q.push("a", "delayed", 0, 99'999);
    q.push("b", "1", 0, 0);
    CHECK(q.pop("a", 1, 10, 60'000).size() == 1);
    CHECK(q.size("a") == 3);
    CHECK(q.size("b") == 1);
    CHECK(q.size("missing") == 0);
    auto sizes = q.all_sizes();
    REQUIRE(sizes.size() == 2);
    CHECK(sizes["a"].size == 2);
    CHECK(sizes["a"].unacked == 1);
    CHECK(sizes["b"].size == 1);
    CHECK(sizes["b"].unacked == 0);
    q.flush("a");
    CHECK(q.size("a") == 0);
    CHECK_FALSE(q.contains("a", "delayed"));
    CHECK(q.size("b") == 1);
    CHECK(q.all_sizes().count("a") == 0);
  });
}

STORAGE_CONTRACT("storage: next_visible_at is the earliest visibility across priorities") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    QueueStore& q = tx.queues();
    CHECK_FALSE(q.next_visible_at("work"));
    q.push("work", "high", 9, 700);
    q.push("work", "low", 0, 300);
    q.push("work", "mid", 4, 500);
    q.push("other", "x", 0, 1);
    CHECK(q.next_visible_at("work") == 300);
    q.remove("work", "low");
    CHECK(q.next_visible_at("work") == 500);
    CHECK(q.pop("work", 2, 800, 1000) == std::vector<std::string>{"high", "mid"});
    CHECK(q.next_visible_at("work") == 1800);  // in flight until now + unack
  });
}

STORAGE_CONTRACT("storage: next_visible_times reads next_visible_at of several queues at once") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    QueueStore& q = tx.queues();
    q.push("work", "high", 9, 700);
    q.push("work", "low", 0, 300);
    q.push("other", "x", 0, 1);
    q.push("unasked", "y", 0, 2);
    CHECK(q.pop("other", 1, 1, 1000).size() == 1);
    using Times = std::map<std::string, std::int64_t, std::less<>>;
    CHECK(q.next_visible_times({"work", "other", "empty"}) == Times{{"other", 1001}, {"work", 300}});
    CHECK(q.next_visible_times({}).empty());
  });
}

// ---------------------------------------------------------------------------------------------
// Search

namespace {

WorkflowSummary workflow_summary(const std::string& id, const std::string& type, WorkflowStatus status,
                                 std::int64_t start, std::optional<std::string> correlation_id = std::nullopt) {
  WorkflowSummary summary;
  summary.workflow_id = id;
  summary.workflow_type = type;
  summary.version = 1;
  summary.status = status;
  summary.start_time = start;
  summary.update_time = start + 10;
  summary.correlation_id = std::move(correlation_id);
  summary.input = R"({"customer":"Ada Lovelace"})";
  summary.output = "{}";
  return summary;
}

TaskSummary task_summary(const std::string& id, const std::string& workflow_id, const std::string& type,
                         TaskStatus status, std::int64_t start) {
  TaskSummary summary;
  summary.task_id = id;
  summary.workflow_id = workflow_id;
  summary.workflow_type = "flow";
  summary.task_type = type;
  summary.task_def_name = type;
  summary.status = status;
  summary.start_time = start;
  summary.update_time = start;
  summary.input = "{}";
  summary.output = R"({"note":"shipped"})";
  return summary;
}

SearchQuery make_search(std::string query, std::vector<std::string> sort = {}, std::string free_text = "*") {
  SearchQuery q;
  q.query = std::move(query);
  q.sort = std::move(sort);
  q.free_text = std::move(free_text);
  return q;
}

template <class Summary>
std::vector<std::string> hit_ids(const SearchResult<Summary>& result) {
  std::vector<std::string> ids;
  for (const Summary& summary : result.results) {
    if constexpr (std::is_same_v<Summary, WorkflowSummary>) {
      ids.push_back(summary.workflow_id);
    } else {
      ids.push_back(summary.task_id);
    }
  }
  return ids;
}

void index_sample_workflows(Storage& storage) {
  write(storage, [](Transaction& tx) {
    IndexStore& index = tx.index();
    index.index_workflow(workflow_summary("w1", "order_flow", WorkflowStatus::kRunning, 1000, "c-1"));
    index.index_workflow(workflow_summary("w2", "order_flow", WorkflowStatus::kCompleted, 2000, "c-2"));
    index.index_workflow(workflow_summary("w3", "billing", WorkflowStatus::kFailed, 3000, "c-1"));
    WorkflowSummary child = workflow_summary("w4", "orderXflow", WorkflowStatus::kPaused, 4000);
    child.parent_workflow_id = "w1";
    child.input = R"({"customer":"Grace Hopper"})";
    index.index_workflow(child);
  });
}

}  // namespace

STORAGE_CONTRACT("storage: search filters workflows with =, IN, >, <, AND, OR and parentheses") {
  TestType fixture;
  Storage& storage = fixture.storage();
  index_sample_workflows(storage);
  read(storage, [](Transaction& tx) {
    IndexStore& index = tx.index();
    auto ids = [&](const std::string& query) { return sorted(hit_ids(index.search_workflows(make_search(query)))); };
    using Ids = std::vector<std::string>;
    CHECK(ids("") == Ids{"w1", "w2", "w3", "w4"});
    CHECK(ids("workflowId=\"w2\"") == Ids{"w2"});
    CHECK(ids("workflowType = 'order_flow'") == Ids{"w1", "w2"});
    CHECK(ids("status IN (COMPLETED,RUNNING)") == Ids{"w1", "w2"});
    CHECK(ids("status IN ('FAILED', \"PAUSED\")") == Ids{"w3", "w4"});
    CHECK(ids("status IN (RUNNING)") == Ids{"w1"});
    CHECK(ids("startTime>2000") == Ids{"w3", "w4"});
    CHECK(ids("startTime < 2000") == Ids{"w1"});
    CHECK(ids("startTime>1000 AND startTime<4000") == Ids{"w2", "w3"});
    CHECK(ids("correlationId='c-1' AND workflowType='billing'") == Ids{"w3"});
    CHECK(ids("workflowType = billing OR status = PAUSED") == Ids{"w3", "w4"});
    CHECK(ids("(workflowType = billing OR status = PAUSED) AND startTime > 3500") == Ids{"w4"});
    CHECK(ids("workflowType = billing OR status = PAUSED AND startTime > 3500") == Ids{"w3", "w4"});
    CHECK(ids("status != RUNNING AND workflowType = order_flow") == Ids{"w2"});
    CHECK(ids("parentWorkflowId=\"\"") == Ids{"w1", "w2", "w3"});
    CHECK(ids("parentWorkflowId = w1") == Ids{"w4"});
    CHECK(ids("classifier = workflow") == Ids{"w1", "w2", "w3", "w4"});
    // Unknown fields are ignored, as Conductor's SQL backends do.
    CHECK(ids("noSuchField = 1 AND workflowId = w1") == Ids{"w1"});
    return 0;
  });
}

STORAGE_CONTRACT("storage: search wildcards are case-insensitive and treat LIKE characters literally") {
  TestType fixture;
  Storage& storage = fixture.storage();
  index_sample_workflows(storage);
  read(storage, [](Transaction& tx) {
    IndexStore& index = tx.index();
    auto ids = [&](const std::string& query) { return sorted(hit_ids(index.search_workflows(make_search(query)))); };
    using Ids = std::vector<std::string>;
    CHECK(ids("workflowType=ORDER*") == Ids{"w1", "w2", "w4"});
    CHECK(ids("workflowType = 'order_*'") == Ids{"w1", "w2"});  // `_` is not a wildcard
    CHECK(ids("correlationId=\"*-1\"") == Ids{"w1", "w3"});
    CHECK(ids("workflowType IN (order*, billing)") == Ids{"w3"});  // exact inside IN
    return 0;
  });
}

namespace {

/// The sample workflows with an output on w2 and a failure reason on w3.
void index_free_text_workflows(Storage& storage) {
  index_sample_workflows(storage);
  write(storage, [](Transaction& tx) {
    WorkflowSummary shipped = workflow_summary("w2", "order_flow", WorkflowStatus::kCompleted, 2000, "c-2");
    shipped.output = R"({"note":"parcel shipped"})";
    tx.index().index_workflow(shipped);
    WorkflowSummary failed = workflow_summary("w3", "billing", WorkflowStatus::kFailed, 3000, "c-1");
    failed.reason_for_incompletion = "Task card_check timed out";
    tx.index().index_workflow(failed);
  });
  write(storage, [](Transaction& tx) { tx.index().flush_free_text(); });
}

}  // namespace

STORAGE_CONTRACT("storage: free text matches words of the input, output, reason, ids and type, in any case") {
  TestType fixture;
  Storage& storage = fixture.storage();
  index_free_text_workflows(storage);
  read(storage, [](Transaction& tx) {
    auto ids = [&](const std::string& text) {
      return sorted(hit_ids(tx.index().search_workflows(make_search("", {}, text))));
    };
    using Ids = std::vector<std::string>;
    CHECK(ids("*") == Ids{"w1", "w2", "w3", "w4"});
    CHECK(ids("") == Ids{"w1", "w2", "w3", "w4"});
    CHECK(ids("grace") == Ids{"w4"});
    CHECK(ids("GRACE") == Ids{"w4"});
    CHECK(ids("\"ada lovelace\"") == Ids{"w1", "w2", "w3"});
    CHECK(ids("\"lovelace ada\"").empty());
    CHECK(ids("love*") == Ids{"w1", "w2", "w3"});
    CHECK(ids("\"ada love\"*") == Ids{"w1", "w2", "w3"});
    CHECK(ids("shipped") == Ids{"w2"});
    CHECK(ids("\"timed out\"") == Ids{"w3"});
    CHECK(ids("w4") == Ids{"w4"});
    CHECK(ids("c-1") == Ids{"w1", "w3"});  // the correlation id, as a phrase of its words
    CHECK(ids("billing") == Ids{"w3"});    // the type's words
    CHECK(ids("order_flow") == Ids{"w1", "w2"});
    CHECK(ids(std::string("ada\0lovelace", 12)) == Ids{"w1", "w2", "w3"});  // NUL separates words
    CHECK(ids(std::string("\"ada\0love\"*", 11)) == Ids{"w1", "w2", "w3"});
    CHECK(ids("lace").empty());            // words, not substrings
    CHECK(ids("nobody").empty());
    CHECK(ids("input:grace") == Ids{"w4"});
    CHECK(ids("output:shipped") == Ids{"w2"});
    CHECK(ids("output:grace").empty());
    CHECK(ids("reasonForIncompletion:\"timed out\"") == Ids{"w3"});
    CHECK(ids("reasonForIncompletion:*") == Ids{"w3"});
    return 0;
  });
}

STORAGE_CONTRACT("storage: the deepest and longest searches the grammars accept run") {
  TestType fixture;
  Storage& storage = fixture.storage();
  index_free_text_workflows(storage);
  // 16 levels of AND, OR and NOT, 32 levels of parentheses, 256 conditions or terms: the bounds of
  // the grammars (search_query_test), which the SQL built from them must stay inside.
  std::string deep_query = "status = RUNNING";
  for (int i = 0; i < 8; ++i) deep_query = "workflowId = w9 OR status != FAILED AND (" + deep_query + ")";
  const std::string nested_query = std::string(32, '(') + "status = RUNNING" + std::string(32, ')');
  std::string long_query = "status = RUNNING";
  for (int i = 1; i < 256; ++i) long_query += " AND startTime > " + std::to_string(i);
  std::string deep_text = "ada";
  for (int i = 0; i < 7; ++i) deep_text += " NOT nobody" + std::to_string(i) + " grace" + std::to_string(i);
  deep_text += " NOT nobody";
  std::string nested_text = std::string(16, '(');
  for (int i = 0; i < 15; ++i) nested_text += "NOT ";
  nested_text += "nobody" + std::string(16, ')');
  std::string long_text;
  for (int i = 0; i < 256; ++i) long_text += "lovelace" + std::to_string(i % 3 ? i : 0) + " ";
  read(storage, [&](Transaction& tx) {
    IndexStore& index = tx.index();
    using Ids = std::vector<std::string>;
    auto workflows = [&](const std::string& query, const std::string& text) {
      return sorted(hit_ids(index.search_workflows(make_search(query, {}, text))));
    };
    CHECK(workflows(deep_query, "*") == Ids{"w1"});
    CHECK(workflows(nested_query, "*") == Ids{"w1"});
    CHECK(workflows(long_query, "*") == Ids{"w1"});
    CHECK(workflows("", deep_text) == Ids{"w1", "w2", "w3"});
    CHECK(workflows("", nested_text) == Ids{"w1", "w2", "w3", "w4"});
    CHECK(workflows("", long_text).empty());
    CHECK(index.search_tasks(make_search(deep_query, {}, deep_text)).results.empty());
    CHECK(index.search_tasks(make_search(long_query, {}, long_text)).results.empty());
    return 0;
  });
}

STORAGE_CONTRACT("storage: free text field:value matches summary fields exactly, by prefix or by range") {
  TestType fixture;
  Storage& storage = fixture.storage();
  index_free_text_workflows(storage);
  read(storage, [](Transaction& tx) {
    auto ids = [&](const std::string& text) {
      return sorted(hit_ids(tx.index().search_workflows(make_search("", {}, text))));
    };
    using Ids = std::vector<std::string>;
    CHECK(ids("workflowType:\"order_flow\"") == Ids{"w1", "w2"});
    CHECK(ids("workflowType:order_flow") == Ids{"w1", "w2"});
    CHECK(ids("workflowType:order") == Ids{});
    CHECK(ids("workflowType:order*") == Ids{"w1", "w2", "w4"});
    CHECK(ids("workflowType:ORDER*").empty());  // keywords are case-sensitive, as in Elasticsearch
    CHECK(ids("workflowId:w2") == Ids{"w2"});
    CHECK(ids("correlationId:c-1") == Ids{"w1", "w3"});
    CHECK(ids("correlationId:*") == Ids{"w1", "w2", "w3"});
    CHECK(ids("status:COMPLETED") == Ids{"w2"});
    CHECK(ids("status:completed") == Ids{"w2"});
    CHECK(ids("status:(RUNNING OR PAUSED)") == Ids{"w1", "w4"});
    CHECK(ids("version:1") == Ids{"w1", "w2", "w3", "w4"});
    CHECK(ids("version:2").empty());
    CHECK(ids("version:[1 TO 2]") == Ids{"w1", "w2", "w3", "w4"});
    CHECK(ids("startTime:2000") == Ids{"w2"});
    CHECK(ids("startTime:[2000 TO 3000]") == Ids{"w2", "w3"});
    CHECK(ids("startTime:{2000 TO 3000]") == Ids{"w3"});
    CHECK(ids("startTime:[2000 TO 3000}") == Ids{"w2"});
    CHECK(ids("startTime:[* TO 1000]") == Ids{"w1"});
    CHECK(ids("startTime:>=3000") == Ids{"w3", "w4"});
    CHECK(ids("startTime:>3000") == Ids{"w4"});
    CHECK(ids("startTime:<2000") == Ids{"w1"});
    CHECK(ids("startTime:<=2000") == Ids{"w1", "w2"});
    CHECK(ids("startTime:[1970-01-01T00:00:02Z TO *]") == Ids{"w2", "w3", "w4"});
    CHECK(ids("startTime:[1970-01-01T00:00:02.500Z TO 1970-01-01T00:00:03.000Z]") == Ids{"w3"});
    CHECK(ids("startTime:>=1970-01-01") == Ids{"w1", "w2", "w3", "w4"});
    return 0;
  });
}

STORAGE_CONTRACT("storage: free text combines with AND, OR, NOT, parentheses and the query") {
  TestType fixture;
  Storage& storage = fixture.storage();
  index_free_text_workflows(storage);
  read(storage, [](Transaction& tx) {
    auto ids = [&](const std::string& text, const std::string& query = "") {
      return sorted(hit_ids(tx.index().search_workflows(make_search(query, {}, text))));
    };
    using Ids = std::vector<std::string>;
    CHECK(ids("workflowType:billing OR status:PAUSED") == Ids{"w3", "w4"});
    CHECK(ids("workflowType:billing || status:PAUSED") == Ids{"w3", "w4"});
    CHECK(ids("workflowType:order_flow AND NOT status:RUNNING") == Ids{"w2"});
    CHECK(ids("workflowType:order_flow && !status:RUNNING") == Ids{"w2"});
    CHECK(ids("(grace OR status:FAILED) AND startTime:>2500") == Ids{"w3", "w4"});
    CHECK(ids("grace OR status:FAILED AND startTime:>3500") == Ids{"w4"});  // AND binds tighter
    CHECK(ids("ada AND shipped") == Ids{"w2"});
    CHECK(ids("ada AND NOT c-1") == Ids{"w2"});
    CHECK(ids("ada NOT workflowType:billing") == Ids{"w1", "w2"});
    // Side by side, terms are alternatives and NOT excludes, as in Lucene's query strings.
    CHECK(ids("grace shipped") == Ids{"w2", "w4"});
    CHECK(ids("grace status:FAILED") == Ids{"w3", "w4"});
    CHECK(ids("ada grace NOT c-1") == Ids{"w2", "w4"});
    CHECK(ids("NOT ada") == Ids{"w4"});
    // A workflow without a correlation id is not one with c-1.
    CHECK(ids("NOT correlationId:c-1") == Ids{"w2", "w4"});
    CHECK(ids("* AND status:RUNNING") == Ids{"w1"});
    // Free text narrows the query.
    CHECK(ids("lovelace", "workflowType = billing") == Ids{"w3"});
    CHECK(ids("status:COMPLETED", "workflowType = billing").empty());
    return 0;
  });
}

STORAGE_CONTRACT("storage: free text that does not parse or names an unknown field is a validation error") {
  TestType fixture;
  Storage& storage = fixture.storage();
  index_free_text_workflows(storage);
  read(storage, [](Transaction& tx) {
    for (const char* bad :
         {"ada*lace", "(grace", "grace)", "status:", "noSuchField:1", "taskType:work", "a?c", "fuzzy~", "\"open",
          "startTime:yesterday", "version:x", "workflowType:[a TO b]", "startTime:[1 TO]", "-grace", "AND grace",
          "status:COMPLETED AND"}) {
      INFO(bad);
      CHECK_THROWS_AS(tx.index().search_workflows(make_search("", {}, bad)), ValidationError);
    }
    CHECK_THROWS_AS(tx.index().search_tasks(make_search("", {}, "workflowType:flow")), ValidationError);
    return 0;
  });
}

STORAGE_CONTRACT("storage: search sorts, pages and counts every match") {
  TestType fixture;
  Storage& storage = fixture.storage();
  index_sample_workflows(storage);
  read(storage, [](Transaction& tx) {
    IndexStore& index = tx.index();
    using Ids = std::vector<std::string>;
    auto result = index.search_workflows(make_search("", {"startTime:DESC"}));
    CHECK(result.total_hits == 4);
    CHECK(hit_ids(result) == Ids{"w4", "w3", "w2", "w1"});
    CHECK(hit_ids(index.search_workflows(make_search("", {"workflowType:asc", "startTime:desc"}))) ==
          Ids{"w3", "w4", "w2", "w1"});  // 'X' sorts before '_'
    // The direction may come first, as on the seed's API page.
    CHECK(hit_ids(index.search_workflows(make_search("", {"DESC:startTime"}))) == Ids{"w4", "w3", "w2", "w1"});
    CHECK(hit_ids(index.search_workflows(make_search("", {"asc:workflowType", "startTime:DESC"}))) ==
          Ids{"w3", "w4", "w2", "w1"});
    // Malformed or unknown sort entries are ignored.
    CHECK(hit_ids(index.search_workflows(make_search("", {"startTime", "bogus:DESC", "startTime:UP"}))).size() == 4);

    SearchQuery page = make_search("workflowType=order*", {"startTime:ASC"});
    page.start = 1;
    page.size = 1;
    auto paged = index.search_workflows(page);
    CHECK(paged.total_hits == 3);
    CHECK(hit_ids(paged) == Ids{"w2"});
    page.start = 10;
    auto beyond = index.search_workflows(page);
    CHECK(beyond.total_hits == 3);
    CHECK(beyond.results.empty());
    return 0;
  });
}

STORAGE_CONTRACT("storage: a bad search query is a validation error") {
  TestType fixture;
  Storage& storage = fixture.storage();
  read(storage, [](Transaction& tx) {
    IndexStore& index = tx.index();
    for (const char* bad : {"status", "status ~ RUNNING", "= RUNNING", "status = RUNNING AND", "(status = RUNNING",
                            "status IN (A, B", "status = 'RUNNING", "startTime > yesterday", "status = A B = C"}) {
      INFO(bad);
      CHECK_THROWS_AS(index.search_workflows(make_search(bad)), ValidationError);
    }
    SearchQuery negative = make_search("");
    negative.size = -1;
    CHECK_THROWS_AS(index.search_tasks(negative), ValidationError);
    return 0;
  });
}

STORAGE_CONTRACT("storage: summaries are upserted, round-trip exactly and are removed per workflow") {
  TestType fixture;
  Storage& storage = fixture.storage();
  WorkflowSummary original = workflow_summary("w1", "flow", WorkflowStatus::kRunning, 1000, "c");
  original.failed_task_names = {"a"};
  original.task_to_domain = {{"work", "east"}};
  WorkflowSummary updated = original;
  updated.status = WorkflowStatus::kCompleted;
  updated.end_time = 5000;
  updated.execution_time = 4000;
  write(storage, [&](Transaction& tx) {
    tx.index().index_workflow(original);
    tx.index().index_workflow(workflow_summary("w2", "flow", WorkflowStatus::kRunning, 2000));
    tx.index().index_workflow(updated);
    tx.index().index_task(task_summary("t1", "w1", "work", TaskStatus::kScheduled, 0));
    tx.index().index_task(task_summary("t1", "w1", "work", TaskStatus::kCompleted, 100));
    tx.index().index_task(task_summary("t2", "w2", "work", TaskStatus::kInProgress, 200));
  });
  read(storage, [&](Transaction& tx) {
    auto all = tx.index().search_workflows(make_search(""));
    REQUIRE(all.total_hits == 2);
    CHECK(hit_ids(all) == std::vector<std::string>{"w1", "w2"});  // unsorted: first-indexed order
    CHECK(stored(all.results[0]) == stored(updated));
    auto tasks = tx.index().search_tasks(make_search("taskId = t1"));
    REQUIRE(tasks.results.size() == 1);
    CHECK(stored(tasks.results[0]) == stored(task_summary("t1", "w1", "work", TaskStatus::kCompleted, 100)));
    return 0;
  });
  write(storage, [](Transaction& tx) { tx.index().remove_workflow("w1"); });
  read(storage, [](Transaction& tx) {
    CHECK(hit_ids(tx.index().search_workflows(make_search(""))) == std::vector<std::string>{"w2"});
    CHECK(hit_ids(tx.index().search_tasks(make_search(""))) == std::vector<std::string>{"t2"});
    return 0;
  });
}

/// The summary the engine indexes for a stored task.
TaskSummary summary_of(const Task& t) {
  TaskSummary summary;
  summary.task_id = t.task_id;
  summary.workflow_id = t.workflow_instance_id;
  summary.workflow_type = t.workflow_type;
  summary.task_type = t.task_type;
  summary.task_def_name = t.task_def_name;
  summary.status = t.status;
  summary.scheduled_time = t.scheduled_time;
  summary.start_time = t.start_time;
  summary.update_time = t.update_time;
  summary.end_time = t.end_time;
  summary.execution_time = t.end_time > 0 && t.start_time > 0 ? t.end_time - t.start_time : 0;
  summary.queue_wait_time = t.start_time > 0 && t.scheduled_time > 0 ? t.start_time - t.scheduled_time : 0;
  summary.input = boost::json::serialize(t.input_data);
  summary.output = boost::json::serialize(t.output_data);
  return summary;
}

STORAGE_CONTRACT("storage: removing a workflow keeps its summaries and its tasks' until its summaries are removed") {
  TestType fixture;
  Storage& storage = fixture.storage();
  Task first = task("t-1", "wf-1", "a", 1);
  Task second = task("t-2", "wf-1", "b", 2);
  // As the engine stores them: every write of a task row with its summary, in one transaction.
  write(storage, [&](Transaction& tx) {
    tx.execution().insert_workflow(workflow("wf-1"));
    tx.index().index_workflow(workflow_summary("wf-1", "flow", WorkflowStatus::kRunning, 1000));
    for (const Task& t : {first, second}) {
      tx.execution().insert_task(t);
      tx.index().index_task(summary_of(t));
    }
  });
  first.status = TaskStatus::kCompleted;
  first.start_time = 1100;
  first.update_time = 1200;
  first.end_time = 1200;
  first.output_data["note"] = "shipped";
  write(storage, [&](Transaction& tx) {
    tx.execution().update_task(first);
    tx.index().index_task(summary_of(first));
  });
  write(storage, [](Transaction& tx) { tx.index().flush_free_text(); });
  // Everything searches return, in order; the same after the rows are removed.
  auto everything = [](Transaction& tx) {
    std::string found;
    for (const WorkflowSummary& summary : tx.index().search_workflows(make_search("")).results) found += stored(summary);
    for (const TaskSummary& summary : tx.index().search_tasks(make_search("")).results) found += stored(summary);
    return found;
  };
  std::string before;
  read(storage, [&](Transaction& tx) {
    CHECK(hit_ids(tx.index().search_workflows(make_search("workflowId = wf-1"))) == std::vector<std::string>{"wf-1"});
    auto all = tx.index().search_tasks(make_search(""));
    CHECK(hit_ids(all) == std::vector<std::string>{"t-1", "t-2"});  // unsorted: first-indexed order
    auto found = tx.index().search_tasks(make_search("taskId = t-1"));
    REQUIRE(found.results.size() == 1);
    CHECK(stored(found.results[0]) == stored(summary_of(first)));
    CHECK(hit_ids(tx.index().search_tasks(make_search("", {}, "shipped"))) == std::vector<std::string>{"t-1"});
    CHECK(hit_ids(tx.index().search_tasks(make_search("status = SCHEDULED"))) == std::vector<std::string>{"t-2"});
    before = everything(tx);
    return 0;
  });
  write(storage, [](Transaction& tx) {
    CHECK(tx.execution().remove_workflow("wf-1"));
    tx.index().flush_free_text();
  });
  read(storage, [&](Transaction& tx) {
    CHECK_FALSE(tx.execution().find_workflow("wf-1", false));
    CHECK(everything(tx) == before);
    CHECK(hit_ids(tx.index().search_tasks(make_search("", {}, "shipped"))) == std::vector<std::string>{"t-1"});
    return 0;
  });
  write(storage, [](Transaction& tx) { tx.index().remove_workflow("wf-1"); });
  read(storage, [](Transaction& tx) {
    CHECK(tx.index().search_workflows(make_search("")).total_hits == 0);
    CHECK(tx.index().search_tasks(make_search("")).total_hits == 0);
    return 0;
  });
  // Removed with its summaries in one transaction, in either order: nothing is kept.
  write(storage, [&](Transaction& tx) {
    for (const std::string id : {"wf-2", "wf-3"}) {
      tx.execution().insert_workflow(workflow(id));
      tx.index().index_workflow(workflow_summary(id, "flow", WorkflowStatus::kRunning, 1000));
      Task t = task("t-" + id, id, "a", 1);
      tx.execution().insert_task(t);
      tx.index().index_task(summary_of(t));
    }
  });
  write(storage, [](Transaction& tx) {
    tx.execution().remove_workflow("wf-2");
    tx.index().remove_workflow("wf-2");
    tx.index().remove_workflow("wf-3");
    tx.execution().remove_workflow("wf-3");
  });
  read(storage, [](Transaction& tx) {
    CHECK(tx.index().search_workflows(make_search("")).total_hits == 0);
    CHECK(tx.index().search_tasks(make_search("")).total_hits == 0);
    return 0;
  });
}

STORAGE_CONTRACT("storage: a transaction's searches see its own summaries, and one rolled back leaves none") {
  TestType fixture;
  Storage& storage = fixture.storage();
  constexpr int kTasks = 20;  // many at once, one of them written twice
  {
    auto tx = storage.begin();
    tx->index().index_workflow(workflow_summary("gone", "flow", WorkflowStatus::kRunning, 1));
    tx->index().index_task(task_summary("gone-t", "gone", "work", TaskStatus::kScheduled, 1));
    // Never committed.
  }
  write(storage, [&](Transaction& tx) {
    tx.index().index_workflow(workflow_summary("w1", "flow", WorkflowStatus::kRunning, 1000));
    for (int i = 0; i < kTasks; ++i) {
      tx.index().index_task(task_summary("t" + std::to_string(i), "w1", "work", TaskStatus::kScheduled, i));
    }
    tx.index().index_task(task_summary("t0", "w1", "work", TaskStatus::kCompleted, 0));
    CHECK(tx.index().search_tasks(make_search("workflowId = w1")).total_hits == kTasks);
    CHECK(tx.index().search_tasks(make_search("status = COMPLETED")).total_hits == 1);
    // Written, then removed with its workflow, in one transaction.
    tx.index().index_workflow(workflow_summary("w2", "flow", WorkflowStatus::kRunning, 2000));
    tx.index().index_task(task_summary("u1", "w2", "work", TaskStatus::kScheduled, 5));
    tx.index().remove_workflow("w2");
    CHECK(hit_ids(tx.index().search_workflows(make_search(""))) == std::vector<std::string>{"w1"});
  });
  read(storage, [&](Transaction& tx) {
    CHECK(hit_ids(tx.index().search_workflows(make_search(""))) == std::vector<std::string>{"w1"});
    auto tasks = tx.index().search_tasks(make_search("", {"startTime:ASC"}));
    CHECK(tasks.total_hits == kTasks);
    REQUIRE_FALSE(tasks.results.empty());
    CHECK(tasks.results[0].status == TaskStatus::kCompleted);
    return 0;
  });
}

STORAGE_CONTRACT("storage: task search filters on task fields and free text") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    IndexStore& index = tx.index();
    index.index_task(task_summary("t1", "w1", "work", TaskStatus::kCompleted, 100));
    index.index_task(task_summary("t2", "w1", "HTTP", TaskStatus::kInProgress, 200));
    TaskSummary other = task_summary("t3", "w2", "work", TaskStatus::kScheduled, 300);
    other.output = "{}";
    index.index_task(other);
  });
  write(storage, [](Transaction& tx) { tx.index().flush_free_text(); });
  read(storage, [](Transaction& tx) {
    IndexStore& index = tx.index();
    auto ids = [&](const std::string& query, const std::string& text = "*") {
      return sorted(hit_ids(index.search_tasks(make_search(query, {}, text))));
    };
    using Ids = std::vector<std::string>;
    CHECK(ids("taskType = work") == Ids{"t1", "t3"});
    CHECK(ids("taskDefName = HTTP") == Ids{"t2"});
    CHECK(ids("workflowId = w1 AND status IN (COMPLETED, SCHEDULED)") == Ids{"t1"});
    CHECK(ids("startTime > 150") == Ids{"t2", "t3"});
    CHECK(ids("", "SHIPPED") == Ids{"t1", "t2"});
    CHECK(hit_ids(index.search_tasks(make_search("", {"startTime:DESC"}))) == Ids{"t3", "t2", "t1"});
    CHECK(hit_ids(index.search_tasks(make_search("", {"DESC:startTime"}))) == Ids{"t3", "t2", "t1"});
    // Free text over task fields.
    CHECK(ids("", "taskType:work") == Ids{"t1", "t3"});
    CHECK(ids("", "taskDefName:HTTP") == Ids{"t2"});
    CHECK(ids("", "taskDefName:http").empty());
    CHECK(ids("", "taskId:t2") == Ids{"t2"});
    CHECK(ids("", "taskId:t*") == Ids{"t1", "t2", "t3"});
    CHECK(ids("", "workflowId:w1 AND status:(COMPLETED OR SCHEDULED)") == Ids{"t1"});
    CHECK(ids("", "status:in_progress") == Ids{"t2"});
    CHECK(ids("", "startTime:>150") == Ids{"t2", "t3"});
    CHECK(ids("", "startTime:[100 TO 200}") == Ids{"t1"});
    CHECK(ids("", "output:shipped AND NOT taskType:HTTP") == Ids{"t1"});
    CHECK(ids("", "t3") == Ids{"t3"});
    CHECK(ids("", "w2") == Ids{"t3"});
    CHECK(ids("", "http") == Ids{"t2"});  // the task type's words
    CHECK(ids("taskType = work", "shipped") == Ids{"t1"});
    return 0;
  });
}

// ---------------------------------------------------------------------------------------------
// Transactions

STORAGE_CONTRACT("storage: a transaction destroyed without commit writes nothing") {
  TestType fixture;
  Storage& storage = fixture.storage();
  {
    auto tx = storage.begin();
    tx->metadata().put_task_def(task_def("lost"));
    tx->execution().insert_workflow(workflow("wf-lost"));
    tx->execution().insert_task(task("t-lost", "wf-lost", "a", 1));
    tx->queues().push("work", "t-lost", 0, 0);
    tx->index().index_workflow(workflow_summary("wf-lost", "flow", WorkflowStatus::kRunning, 1));
    CHECK(tx->metadata().find_task_def("lost"));  // visible inside the transaction
  }
  read(storage, [](Transaction& tx) {
    CHECK_FALSE(tx.metadata().find_task_def("lost"));
    CHECK_FALSE(tx.execution().find_workflow("wf-lost", true));
    CHECK_FALSE(tx.execution().find_task("t-lost"));
    CHECK(tx.queues().size("work") == 0);
    CHECK(tx.index().search_workflows(make_search("")).total_hits == 0);
    return 0;
  });
  // The storage is usable afterwards.
  write(storage, [](Transaction& tx) { tx.metadata().put_task_def(task_def("kept")); });
  read(storage, [](Transaction& tx) {
    CHECK(tx.metadata().find_task_def("kept"));
    return 0;
  });
}

STORAGE_CONTRACT("storage: event messages are stored once per event and message id, and removed") {
  TestType fixture;
  auto& storage = fixture.storage();
  write(storage, [](Transaction& tx) {
    CHECK(tx.events().put_message("k1", {"conductor:a:b", "m1", R"({"x":1})", 10}));
    CHECK_FALSE(tx.events().put_message("k2", {"conductor:a:b", "m1", "{}", 11}));  // the same message again
    CHECK(tx.events().put_message("k3", {"conductor:a:c", "m1", "{}", 12}));      // another event
  });
  read(storage, [](Transaction& tx) {
    auto m = tx.events().find_message("k1");
    REQUIRE(m);
    CHECK(m->event == "conductor:a:b");
    CHECK(m->message_id == "m1");
    CHECK(m->payload == R"({"x":1})");
    CHECK(m->created == 10);
    CHECK_FALSE(tx.events().find_message("k2"));
    return 0;
  });
  write(storage, [](Transaction& tx) {
    CHECK(tx.events().remove_message("k1"));
    CHECK_FALSE(tx.events().remove_message("k1"));
    CHECK(tx.events().put_message("k4", {"conductor:a:b", "m1", "{}", 13}));  // gone, so stored anew
  });
}

STORAGE_CONTRACT("storage: an event execution is recorded once per handler, event and id") {
  TestType fixture;
  auto& storage = fixture.storage();
  auto record = [](std::string id, std::string message_id, std::int64_t created) {
    EventExecution e;
    e.id = std::move(id);
    e.message_id = std::move(message_id);
    e.name = "h";
    e.event = "conductor:a:b";
    e.created = created;
    e.status = EventExecutionStatus::kCompleted;
    e.action = EventActionType::kStartWorkflow;
    e.output = {{"workflowId", "w"}};
    return e;
  };
  write(storage, [&](Transaction& tx) {
    CHECK(tx.events().add_execution(record("m1_0", "m1", 5)));
    CHECK(tx.events().add_execution(record("m1_1", "m1", 4)));
    CHECK(tx.events().add_execution(record("m2_0", "m2", 6)));
    auto again = record("m1_0", "m1", 9);
    again.status = EventExecutionStatus::kFailed;
    CHECK_FALSE(tx.events().add_execution(again));
    auto other_handler = record("m1_0", "m1", 9);
    other_handler.name = "h2";
    CHECK(tx.events().add_execution(other_handler));
  });
  read(storage, [](Transaction& tx) {
    auto all = tx.events().executions("h", "conductor:a:b", std::nullopt, 10);
    REQUIRE(all.size() == 3);
    CHECK(all[0].id == "m1_1");  // oldest first
    CHECK(all[1].id == "m1_0");
    CHECK(all[1].status == EventExecutionStatus::kCompleted);
    CHECK(all[1].action == EventActionType::kStartWorkflow);
    CHECK(all[1].output == JsonObject{{"workflowId", "w"}});
    CHECK(all[1].name == "h");
    CHECK(tx.events().executions("h", "conductor:a:b", "m2", 10).size() == 1);
    CHECK(tx.events().executions("h", "conductor:a:b", std::nullopt, 2).size() == 2);
    CHECK(tx.events().executions("h", "conductor:x", std::nullopt, 10).empty());
    return 0;
  });
}

STORAGE_CONTRACT("storage: a transaction whose write failed commits nothing, also writes sent before it") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) { tx.execution().insert_workflow(workflow("wf-1")); });
  write_fails<ConflictError>(storage, [](Transaction& tx) {
    tx.execution().insert_workflow(workflow("wf-2"));
    tx.queues().push("work", "m", 0, 0);
    tx.execution().insert_workflow(workflow("wf-1", "other"));
    tx.execution().insert_workflow(workflow("wf-3"));
  });
  read(storage, [](Transaction& tx) {
    CHECK(tx.execution().find_workflow("wf-1", false)->workflow_name() == "flow");
    CHECK_FALSE(tx.execution().find_workflow("wf-2", false));
    CHECK_FALSE(tx.execution().find_workflow("wf-3", false));
    CHECK(tx.queues().size("work") == 0);
    return 0;
  });
}

STORAGE_CONTRACT("storage: a read transaction that read a workflow's version still refuses to advance it") {
  TestType fixture;
  Storage& storage = fixture.storage();
  write(storage, [](Transaction& tx) { tx.execution().insert_workflow(workflow("wf-1")); });
  auto tx = storage.begin(TransactionMode::kRead);
  REQUIRE(tx->execution().find_workflow("wf-1", true));
  REQUIRE(tx->execution().workflow_version("wf-1"));
  CHECK_THROWS_AS(tx->execution().advance_version("wf-1"), StorageError);
}

STORAGE_CONTRACT("storage: a read transaction refuses writes, and an ended transaction refuses use") {
  TestType fixture;
  Storage& storage = fixture.storage();
  {
    auto tx = storage.begin(TransactionMode::kRead);
    CHECK_THROWS_AS(tx->metadata().put_task_def(task_def("nope")), StorageError);
  }
  auto tx = storage.begin();
  tx->metadata().put_task_def(task_def("done"));
  tx->commit();
  CHECK_THROWS_AS(tx->metadata().find_task_def("done"), StorageError);
  CHECK_THROWS_AS(tx->commit(), StorageError);
  read(storage, [](Transaction& t) {
    CHECK(t.metadata().find_task_def("done"));
    CHECK_FALSE(t.metadata().find_task_def("nope"));
    return 0;
  });
}

STORAGE_CONTRACT("storage: concurrent write transactions from several threads all land") {
  TestType fixture;
  Storage& storage = fixture.storage();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::atomic<int> invisible{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&storage, &invisible, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = "wf-" + std::to_string(t) + "-" + std::to_string(i);
        auto tx = storage.begin();
        tx->execution().insert_workflow(workflow(id));
        tx->queues().push("decider", id, 0, i);
        tx->execution().try_admit_rate("shared", i, 1'000'000, 1'000'000);
        tx->commit();
        // Interleave reads so read and write transactions overlap.
        auto check = storage.begin(TransactionMode::kRead);
        if (!check->execution().find_workflow(id, false)) {
          ++invisible;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  CHECK(invisible == 0);
  read(storage, [&](Transaction& tx) {
    CHECK(tx.queues().size("decider") == kThreads * kPerThread);
    CHECK(tx.execution().running_workflow_ids("flow", std::nullopt).size() == kThreads * kPerThread);
    return 0;
  });
}

STORAGE_CONTRACT("storage: concurrent commits all survive reopening, abandoned transactions among them leave nothing") {
  TestType fixture;
  Storage& storage = fixture.storage();
  constexpr int kThreads = 6;
  constexpr int kPerThread = 30;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&storage, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        auto tx = storage.begin();
        tx->queues().push(i % 3 == 0 ? "abandoned" : "kept", id, 0, 0);
        tx->execution().put_poll_data({"poll-" + id, std::nullopt, "w", i});
        if (i % 3 != 0) tx->commit();  // every third one is destroyed uncommitted
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  fixture.reopen();
  read(fixture.storage(), [&](Transaction& tx) {
    CHECK(tx.queues().size("abandoned") == 0);
    CHECK(tx.queues().size("kept") == kThreads * kPerThread * 2 / 3);
    for (int t = 0; t < kThreads; ++t) {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        CHECK(tx.queues().contains("kept", id) == (i % 3 != 0));
        CHECK(tx.execution().find_poll_data("poll-" + id, std::nullopt).has_value() == (i % 3 != 0));
      }
    }
    return 0;
  });
}

STORAGE_CONTRACT("storage: everything written survives closing and reopening the database") {
  TestType fixture;
  if constexpr (!TestType::kPersistent) {
    SUCCEED("in-memory backends are not durable");
    return;
  }
  Storage* storage = &fixture.storage();
  Workflow wf = workflow("wf-1");
  wf.idempotency_key = "key";
  wf.correlation_id = "c";
  write(*storage, [&](Transaction& tx) {
    tx.metadata().put_task_def(task_def("work"));
    tx.metadata().put_workflow_def(workflow_def("flow", 2));
    tx.metadata().put_event_handler(event_handler("h"));
    tx.execution().insert_workflow(wf);
    tx.execution().insert_task(task("t-1", "wf-1", "a", 1));
    tx.execution().add_task_logs({{"line", "t-1", 5}});
    tx.execution().put_poll_data({"work", "east", "w1", 77});
    tx.execution().try_admit_rate("work", 1000, 10'000, 1);
    tx.queues().push("work", "t-1", 3, 123);
    tx.index().index_workflow(workflow_summary("wf-1", "flow", WorkflowStatus::kRunning, 1000));
    tx.index().index_task(task_summary("t-1", "wf-1", "work", TaskStatus::kScheduled, 0));
  });
  fixture.reopen();
  storage = &fixture.storage();
  read(*storage, [&](Transaction& tx) {
    CHECK(stored(*tx.metadata().find_task_def("work")) == stored(task_def("work")));
    CHECK(stored(*tx.metadata().find_workflow_def("flow", std::nullopt)) == stored(workflow_def("flow", 2)));
    CHECK(stored(*tx.metadata().find_event_handler("h")) == stored(event_handler("h")));
    CHECK(stored(*tx.execution().find_workflow("wf-1", false)) == stored(wf));
    CHECK(task_ids(tx.execution().tasks_of("wf-1")) == std::vector<std::string>{"t-1"});
    CHECK(tx.execution().find_workflow_by_idempotency_key("flow", "key"));
    CHECK(tx.execution().workflows_by_correlation_id("flow", "c", false).size() == 1);
    CHECK(tx.execution().task_logs("t-1").size() == 1);
    CHECK(tx.execution().find_poll_data("work", "east")->last_poll_time == 77);
    CHECK(tx.queues().next_visible_at("work") == 123);
    CHECK(tx.index().search_workflows(make_search("workflowId = wf-1")).total_hits == 1);
    CHECK(tx.index().search_tasks(make_search("taskId = t-1")).total_hits == 1);
    return 0;
  });
  write(*storage, [](Transaction& tx) {
    CHECK_FALSE(tx.execution().try_admit_rate("work", 2000, 10'000, 1));  // the admission survived too
    CHECK(tx.queues().pop("work", 5, 123, 1000) == std::vector<std::string>{"t-1"});
  });
}
