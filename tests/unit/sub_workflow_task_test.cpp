#include "system_task_fixture.hpp"

#include "decider/decider.hpp"
#include "tasks/sub_workflow.hpp"
#include "util/uuid.hpp"

using namespace conductor;
using detail::SubWorkflowTask;

namespace {

// A parent run `wf-1` whose input the SUB_WORKFLOW nodes below refer to.
struct ParentFixture : SystemTaskFixture {
  ParentFixture() {
    workflow.workflow_id = "wf-1";
    workflow.workflow_definition.edit().name = "parent";
    workflow.correlation_id = "corr";
    workflow.input = JsonObject{{"n", 2}, {"name", "child"}};
  }

  // A SUB_WORKFLOW task IN_PROGRESS on `child`, which the fake engine knows as it is given.
  Task waiting_on(const Workflow& child) {
    effects.workflows[child.workflow_id] = child;
    Task task = map_one(SubWorkflowTask(), R"({"name": "s", "taskReferenceName": "sub", "type": "SUB_WORKFLOW",
        "subWorkflowParam": {"name": "child", "version": 1}})");
    task.status = TaskStatus::kInProgress;
    task.sub_workflow_id = child.workflow_id;
    return task;
  }
};

}  // namespace

TEST_CASE("sub_workflow: child ids are Java's name-based UUIDs", "[unit]") {
  // UUID.nameUUIDFromBytes("test".getBytes()): MD5 098f6bcd4621d373cade4e832627b4f6 with version 3 and variant bits.
  CHECK(detail::name_uuid("test") == "098f6bcd-4621-3373-8ade-4e832627b4f6");
  CHECK(detail::name_uuid("") == "d41d8cd9-8f00-3204-a980-0998ecf8427e");
  CHECK(detail::name_uuid("subworkflow:p:t:0") == detail::name_uuid("subworkflow:p:t:0"));
  CHECK(detail::name_uuid("subworkflow:p:t:0") != detail::name_uuid("subworkflow:p:t:1"));
}

TEST_CASE("sub_workflow: the mapper resolves the parameters into the task input", "[unit]") {
  ParentFixture f;
  f.workflow.priority = 4;
  auto task = f.map_one(SubWorkflowTask(), R"({"name": "s", "taskReferenceName": "sub", "type": "SUB_WORKFLOW",
      "startDelay": 5, "inputParameters": {"n": "${workflow.input.n}", "id": "${CPEWF_TASK_ID}"},
      "subWorkflowParam": {"name": "${workflow.input.name}", "version": 3, "priority": "${workflow.input.n}",
                           "taskToDomain": {"t": "d"}, "idempotencyKey": "k-${workflow.input.n}",
                           "idempotencyStrategy": "RETURN_EXISTING"}})");
  CHECK(task.task_type == "SUB_WORKFLOW");
  CHECK(task.status == TaskStatus::kScheduled);
  CHECK(task.callback_after_seconds == 5);
  CHECK(task.workflow_priority == 2);
  const auto& in = task.input_data;
  CHECK(in.at("subWorkflowName") == "child");
  CHECK(in.at("subWorkflowVersion") == 3);
  CHECK(in.at("subWorkflowTaskToDomain") == JsonObject{{"t", "d"}});
  CHECK(in.at("subWorkflowDefinition").is_null());
  CHECK(in.at("priority") == 2);
  CHECK(in.at("idempotencyKey") == "k-2");
  CHECK(in.at("idempotencyStrategy") == "RETURN_EXISTING");
  // The child's input is resolved without a task id.
  CHECK(in.at("workflowInput") == JsonObject{{"n", 2}, {"id", "${CPEWF_TASK_ID}"}});
}

TEST_CASE("sub_workflow: without a priority the task keeps the workflow's", "[unit]") {
  ParentFixture f;
  f.workflow.priority = 4;
  auto task = f.map_one(SubWorkflowTask(), R"({"name": "s", "taskReferenceName": "sub", "type": "SUB_WORKFLOW",
      "subWorkflowParam": {"name": "child", "version": 1}})");
  CHECK(task.workflow_priority == 4);
  CHECK(task.input_data.at("priority").is_null());
}

TEST_CASE("sub_workflow: an inline definition names the child and its version", "[unit]") {
  ParentFixture f;
  auto task = f.map_one(SubWorkflowTask(), R"({"name": "s", "taskReferenceName": "sub", "type": "SUB_WORKFLOW",
      "subWorkflowParam": {"name": "ignored", "workflowDefinition": {"name": "inline", "version": 4,
          "tasks": [{"name": "x", "taskReferenceName": "x", "inputParameters": {"v": "${workflow.input.v}"}}]}}})");
  CHECK(task.input_data.at("subWorkflowName") == "inline");
  CHECK(task.input_data.at("subWorkflowVersion") == 4);
  // Expressions inside the child's definition are the child's, not resolved against the parent.
  const auto& def = task.input_data.at("subWorkflowDefinition").as_object();
  CHECK(def.at("tasks").as_array()[0].as_object().at("inputParameters") == JsonObject{{"v", "${workflow.input.v}"}});
}

TEST_CASE("sub_workflow: a definition given as an expression is resolved", "[unit]") {
  ParentFixture f;
  f.workflow.input["def"] = JsonObject{{"name", "dyn"}, {"tasks", JsonArray{}}};
  auto task = f.map_one(SubWorkflowTask(), R"({"name": "s", "taskReferenceName": "sub", "type": "SUB_WORKFLOW",
      "subWorkflowParam": {"name": "dyn", "version": 1, "workflowDefinition": "${workflow.input.def}"}})");
  CHECK(task.input_data.at("subWorkflowDefinition") == f.workflow.input.at("def"));
  CHECK(task.input_data.at("subWorkflowName") == "dyn");
}

TEST_CASE("sub_workflow: a node without subWorkflowParam ends the workflow", "[unit]") {
  ParentFixture f;
  try {
    f.map_one(SubWorkflowTask(), R"({"name": "s", "taskReferenceName": "sub", "type": "SUB_WORKFLOW"})");
    FAIL("mapping succeeded");
  } catch (const detail::TerminateWorkflow& e) {
    CHECK(e.termination.status == WorkflowStatus::kFailed);
    CHECK(e.termination.reason ==
          "Task s is defined as sub-workflow and is missing subWorkflowParams. Please check the workflow definition");
  }
}

TEST_CASE("sub_workflow: only a literal child name without a version is pinned at start", "[unit]") {
  SubWorkflowTask sub;
  auto pinned = [&](const std::string& params) {
    return sub.child_pinned_at_start(decode<WorkflowTask>(
        R"({"name": "s", "taskReferenceName": "sub", "type": "SUB_WORKFLOW", "subWorkflowParam": )" + params + "}"));
  };
  CHECK(pinned(R"({"name": "child"})") == "child");
  CHECK_FALSE(pinned(R"({"name": "child", "version": 2})"));
  CHECK_FALSE(pinned(R"({"name": "${workflow.input.name}"})"));
  CHECK_FALSE(pinned(R"({"name": "child", "workflowDefinition": {"name": "inline", "tasks": []}})"));
  CHECK(pinned(R"({"name": "child", "workflowDefinition": "${workflow.input.def}"})") == "child");
  CHECK_FALSE(sub.child_pinned_at_start(decode<WorkflowTask>(R"({"name": "s", "taskReferenceName": "sub"})")));
}

TEST_CASE("sub_workflow: a child start is idempotent for its task", "[unit]") {
  ParentFixture f;
  auto task = f.map_one(SubWorkflowTask(), R"({"name": "s", "taskReferenceName": "sub", "type": "SUB_WORKFLOW",
      "subWorkflowParam": {"name": "child", "version": 1}})");
  SubWorkflowTask handler;
  f.start(handler, task);
  REQUIRE(task.status == TaskStatus::kInProgress);
  REQUIRE(task.sub_workflow_id);
  CHECK(*task.sub_workflow_id == detail::name_uuid("subworkflow:wf-1:task-id:0"));
  REQUIRE(f.effects.started.size() == 1);
  const auto first = f.effects.started.front();
  CHECK(first.request.name == "child");
  CHECK(first.request.version == 1);
  CHECK(first.request.correlation_id == "corr");
  REQUIRE(first.child);
  CHECK(first.child->workflow_id == *task.sub_workflow_id);
  CHECK(first.child->parent_workflow_id == "wf-1");
  CHECK(first.child->parent_workflow_task_id == "task-id");
  // A second delivery of the same attempt (its first run lost) asks for the same child again.
  Task again = task;
  again.status = TaskStatus::kScheduled;
  again.sub_workflow_id.reset();
  f.start(handler, again);
  CHECK(again.sub_workflow_id == task.sub_workflow_id);
  REQUIRE(f.effects.started.size() == 2);
  CHECK(f.effects.started.back().child->workflow_id == first.child->workflow_id);
}

TEST_CASE("sub_workflow: a child id left by a failed earlier generation is replaced", "[unit]") {
  ParentFixture f;
  auto task = f.map_one(SubWorkflowTask(), R"({"name": "s", "taskReferenceName": "sub", "type": "SUB_WORKFLOW",
      "subWorkflowParam": {"name": "child", "version": 1}})");
  Workflow old;
  old.workflow_id = detail::name_uuid("subworkflow:wf-1:task-id:0");
  old.status = WorkflowStatus::kFailed;
  f.effects.workflows[old.workflow_id] = old;
  f.start(SubWorkflowTask(), task);
  REQUIRE(f.effects.started.size() == 2);
  CHECK(f.effects.started.back().child->workflow_id != old.workflow_id);
  CHECK(task.sub_workflow_id == f.effects.started.back().child->workflow_id);
  CHECK(task.status == TaskStatus::kInProgress);
}

TEST_CASE("sub_workflow: canceling the task terminates a running child", "[unit]") {
  ParentFixture f;
  Workflow child;
  child.workflow_id = "child-1";
  child.status = WorkflowStatus::kRunning;
  Task task = f.waiting_on(child);
  f.workflow.status = WorkflowStatus::kTerminated;
  f.workflow.reason_for_incompletion = "stop";
  auto context = f.context();
  SubWorkflowTask().cancel(task, context);
  CHECK(task.status == TaskStatus::kCanceled);
  REQUIRE(f.effects.terminated.size() == 1);
  CHECK(f.effects.terminated.front() ==
        std::pair<std::string, std::string>("child-1", "Parent workflow has been terminated with reason: stop"));
}

TEST_CASE("sub_workflow: the task follows its child's end", "[unit]") {
  ParentFixture f;
  Workflow child;
  child.workflow_id = "child-1";
  child.workflow_definition.edit().name = "child";
  child.status = WorkflowStatus::kRunning;
  Task task = f.waiting_on(child);
  SubWorkflowTask handler;
  CHECK_FALSE(f.execute(handler, task));
  CHECK(task.status == TaskStatus::kInProgress);

  child.status = WorkflowStatus::kTimedOut;
  child.reason_for_incompletion = "too slow";
  child.output = JsonObject{{"partial", 1}};
  f.effects.workflows["child-1"] = child;
  CHECK(f.execute(handler, task));
  CHECK(task.status == TaskStatus::kTimedOut);
  CHECK(task.output_data.at("partial") == 1);
  CHECK(task.reason_for_incompletion == "Sub workflow child.1/child-1 failure reason: too slow");
}
