// Resuming the parent chain (semantics.md §6.13) when a child workflow is retried, restarted or rerun.
// The parent/child links are written straight into storage, as SUB_WORKFLOW would set them, with an
// ordinary worker task standing in for the parent's SUB_WORKFLOW task: the chain does not depend on
// the task's type.
#include "engine_fixture.hpp"

using namespace conductor;
using Statuses = std::vector<std::string>;

namespace {

struct Recorder : StatusListener {
  std::vector<std::pair<WorkflowEvent, std::string>> events;
  void on_workflow(WorkflowEvent e, const Workflow& wf) override { events.emplace_back(e, wf.workflow_id); }
  bool saw(WorkflowEvent e, const std::string& id) const {
    return std::find(events.begin(), events.end(), std::pair{e, id}) != events.end();
  }
};

// Workflows `grand` → `parent` → `child`, one worker task each (gt, pt, ct) without retries.
struct Family {
  std::unique_ptr<Storage> owned = open_sqlite({});
  Storage& storage = *owned;
  EngineFixture f{std::move(owned)};
  std::shared_ptr<Recorder> recorder = std::make_shared<Recorder>();

  explicit Family(const std::string& parent_task_extra = "") {
    f.engine.executor().add_listener(recorder);
    for (const char* name : {"gt", "pt", "ct", "qt"}) f.task_def(fmt::format(R"({{"name": "{}", "retryCount": 0}})", name));
    f.workflow_def(R"({"name": "grand", "workflowStatusListenerEnabled": true,
                       "tasks": [{"name": "gt", "taskReferenceName": "g"}]})");
    f.workflow_def(R"({"name": "parent", "workflowStatusListenerEnabled": true,
                       "tasks": [{"name": "pt", "taskReferenceName": "p")" + parent_task_extra + R"(}]})");
    f.workflow_def(R"({"name": "child", "tasks": [{"name": "ct", "taskReferenceName": "c"}]})");
  }

  // Makes `child` the sub-workflow run by `parent`'s only task, as SUB_WORKFLOW does.
  std::string adopt(const std::string& child_id, const std::string& parent_id) {
    auto tx = storage.begin(TransactionMode::kWrite);
    auto parent_task = tx->execution().tasks_of(parent_id).front();
    parent_task.sub_workflow_id = child_id;
    tx->execution().update_task(parent_task);
    auto child = tx->execution().find_workflow(child_id, false);
    child->parent_workflow_id = parent_id;
    child->parent_workflow_task_id = parent_task.task_id;
    tx->execution().update_workflow(*child);
    tx->commit();
    return parent_task.task_id;
  }

  void change_task(const std::string& task_id, const std::function<void(Task&)>& change) {
    auto tx = storage.begin(TransactionMode::kWrite);
    auto task = tx->execution().find_task(task_id);
    change(*task);
    tx->execution().update_task(*task);
    tx->commit();
  }

  void insert_task(Task task) {
    auto tx = storage.begin(TransactionMode::kWrite);
    tx->execution().insert_task(task);
    tx->commit();
  }

  // Fails the only pending task of `type`, which ends its workflow FAILED.
  void fail(const std::string& type) { f.report(f.poll(type), TaskResultStatus::kFailed, {}, type + " failed"); }

  std::vector<std::string> logs(const std::string& task_id) {
    std::vector<std::string> out;
    for (const auto& log : f.engine.queue().logs(task_id)) out.push_back(log.log);
    return out;
  }
};

std::string label(const Workflow& wf) {
  return fmt::format("{}.{}/{}", wf.workflow_name(), wf.workflow_version(), wf.workflow_id);
}

}  // namespace

TEST_CASE("parent chain: retrying a child brings its parent back with the waiting task IN_PROGRESS", "[scenario]") {
  Family family;
  auto& f = family.f;
  auto parent = f.start("parent");
  auto child = f.start("child");
  auto waiting = family.adopt(child, parent);
  family.fail("ct");
  family.fail("pt");
  REQUIRE(f.workflow(parent).status == WorkflowStatus::kFailed);
  REQUIRE(f.workflow(child).status == WorkflowStatus::kFailed);

  f.clock->advance_seconds(10);
  f.engine.executor().retry(child);
  CHECK(EngineFixture::statuses(f.workflow(child)) == Statuses{"c:FAILED", "c:SCHEDULED"});
  auto wf = f.workflow(parent);
  CHECK(wf.status == WorkflowStatus::kRunning);
  CHECK(!wf.reason_for_incompletion);
  CHECK(wf.failed_reference_task_names.empty());
  CHECK(wf.last_retried_time == f.clock->now_ms());
  CHECK(wf.end_time == 0);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"p:IN_PROGRESS"});
  CHECK(wf.tasks[0].task_id == waiting);
  CHECK(wf.tasks[0].subworkflow_changed);
  CHECK(!wf.tasks[0].reason_for_incompletion);
  CHECK(family.logs(waiting) == std::vector<std::string>{"Sub workflow " + label(f.workflow(child)) + " retried."});
  CHECK(family.recorder->saw(WorkflowEvent::kRetried, parent));
}

TEST_CASE("parent chain: every ancestor resumes, the log names the chain", "[scenario]") {
  Family family;
  auto& f = family.f;
  auto grand = f.start("grand");
  auto parent = f.start("parent");
  auto child = f.start("child");
  auto grand_task = family.adopt(parent, grand);
  auto parent_task = family.adopt(child, parent);
  family.fail("ct");
  family.fail("pt");
  family.fail("gt");

  SECTION("restart") {
    f.engine.executor().restart(child);
    CHECK(EngineFixture::statuses(f.workflow(child)) == Statuses{"c:SCHEDULED"});
    CHECK(f.workflow(parent).status == WorkflowStatus::kRunning);
    CHECK(f.workflow(grand).status == WorkflowStatus::kRunning);
    auto child_label = label(f.workflow(child));
    CHECK(family.logs(parent_task) == std::vector<std::string>{"Sub workflow " + child_label + " restarted."});
    CHECK(family.logs(grand_task) ==
          std::vector<std::string>{"Sub workflow " + label(f.workflow(parent)) + " -> " + child_label + " restarted."});
    CHECK(family.recorder->saw(WorkflowEvent::kRestarted, parent));
    CHECK(family.recorder->saw(WorkflowEvent::kRestarted, grand));
  }
  SECTION("rerun") {
    f.engine.executor().rerun(child, {});
    CHECK(EngineFixture::statuses(f.workflow(parent)) == Statuses{"p:IN_PROGRESS"});
    CHECK(EngineFixture::statuses(f.workflow(grand)) == Statuses{"g:IN_PROGRESS"});
    CHECK(family.logs(parent_task) == std::vector<std::string>{"Sub workflow " + label(f.workflow(child)) + " reran."});
    CHECK(family.recorder->saw(WorkflowEvent::kRerun, parent));
    CHECK(family.recorder->saw(WorkflowEvent::kRerun, grand));
  }
}

TEST_CASE("parent chain: the parent's other canceled tasks run again, superseded attempts stay", "[scenario]") {
  Family family;
  auto& f = family.f;
  auto parent = f.start("parent");
  auto child = f.start("child");
  auto waiting = family.adopt(child, parent);
  family.fail("ct");
  f.engine.executor().terminate(parent, "stop");
  REQUIRE(EngineFixture::statuses(f.workflow(parent)) == Statuses{"p:CANCELED"});

  Task other = f.workflow(parent).tasks[0];
  other.reference_task_name = "q";
  other.task_type = other.task_def_name = "qt";
  other.workflow_task.reset();
  other.sub_workflow_id.reset();
  Task superseded = other;
  superseded.task_id = "q-0";
  superseded.seq = 2;
  superseded.retried = true;
  other.task_id = "q-1";
  other.seq = 3;
  other.retry_count = 1;
  family.insert_task(superseded);
  family.insert_task(other);

  f.engine.executor().retry(child);
  auto wf = f.workflow(parent);
  CHECK(wf.status == WorkflowStatus::kRunning);
  CHECK(EngineFixture::statuses(wf) == Statuses{"p:IN_PROGRESS", "q:CANCELED", "q:SCHEDULED"});
  CHECK(wf.tasks[0].task_id == waiting);
  CHECK(wf.tasks[2].retry_count == 2);
  CHECK(wf.tasks[2].scheduled_time == f.clock->now_ms());
  CHECK(f.poll("qt").task_id == "q-1");
}

TEST_CASE("parent chain: stops at an optional task, a superseded attempt or a vanished task", "[scenario]") {
  SECTION("optional: the parent went on without the child") {
    Family family(R"(, "optional": true)");
    auto& f = family.f;
    auto parent = f.start("parent");
    auto child = f.start("child");
    family.adopt(child, parent);
    family.fail("ct");
    family.fail("pt");
    REQUIRE(f.workflow(parent).status == WorkflowStatus::kCompleted);
    f.engine.executor().retry(child);
    CHECK(f.workflow(child).status == WorkflowStatus::kRunning);
    CHECK(f.workflow(parent).status == WorkflowStatus::kCompleted);
    CHECK(EngineFixture::statuses(f.workflow(parent)) == Statuses{"p:COMPLETED_WITH_ERRORS"});
  }
  SECTION("superseded: the parent already retried that task") {
    Family family;
    auto& f = family.f;
    auto parent = f.start("parent");
    auto child = f.start("child");
    auto waiting = family.adopt(child, parent);
    family.fail("ct");
    family.fail("pt");
    family.change_task(waiting, [](Task& t) { t.retried = true; });
    f.engine.executor().retry(child);
    CHECK(f.workflow(parent).status == WorkflowStatus::kFailed);
    CHECK(family.logs(waiting).empty());
  }
  SECTION("vanished: the parent was restarted since") {
    Family family;
    auto& f = family.f;
    auto parent = f.start("parent");
    auto child = f.start("child");
    family.adopt(child, parent);
    family.fail("ct");
    family.fail("pt");
    f.engine.executor().restart(parent);
    f.engine.executor().retry(child);
    CHECK(f.workflow(child).status == WorkflowStatus::kRunning);
    CHECK(EngineFixture::statuses(f.workflow(parent)) == Statuses{"p:SCHEDULED"});
  }
}
