#include "engine_fixture.hpp"

#include "util/uuid.hpp"

using namespace conductor;
using Statuses = std::vector<std::string>;

namespace {

// child: one worker task `c1`; parent: `sub` runs the child between two worker tasks.
void define(EngineFixture& f, const std::string& sub_params = R"({"name": "child", "version": 1})") {
  f.workflow_def(R"({"name": "child", "tasks": [{"name": "child_task", "taskReferenceName": "c1",
                     "inputParameters": {"x": "${workflow.input.x}"}}],
                     "outputParameters": {"childOut": "${c1.output.v}"}})");
  f.workflow_def(R"({"name": "parent", "tasks": [
      {"name": "sub_task", "taskReferenceName": "sub", "type": "SUB_WORKFLOW",
       "inputParameters": {"x": "${workflow.input.x}"}, "subWorkflowParam": )" +
                 sub_params + R"(},
      {"name": "after_task", "taskReferenceName": "after", "inputParameters": {"fromChild": "${sub.output.childOut}"}}]})");
}

const Task& task_of(const Workflow& wf, const std::string& ref) {
  for (auto it = wf.tasks.rbegin(); it != wf.tasks.rend(); ++it)
    if (it->reference_task_name == ref) return *it;
  FAIL("no task " << ref);
  throw;
}

// Starts the parent and lets the sweeper start the child; returns {parent id, child id}.
std::pair<std::string, std::string> start_with_child(EngineFixture& f, StartWorkflowRequest request = {}) {
  if (request.name.empty()) request.name = "parent";
  if (request.input->empty()) request.input = JsonObject{{"x", "hello"}};
  auto parent_id = f.engine.executor().start_workflow(request);
  f.advance(0);
  auto sub = task_of(f.workflow(parent_id), "sub");
  REQUIRE(sub.sub_workflow_id);
  return {parent_id, *sub.sub_workflow_id};
}

}  // namespace

SCENARIO("sub_workflow: the child runs and its output reaches the parent", "[scenario]") {
  EngineFixture f;
  define(f);
  GIVEN("a parent whose SUB_WORKFLOW task was picked up") {
    StartWorkflowRequest request;
    request.name = "parent";
    request.input = JsonObject{{"x", "hello"}};
    request.correlation_id = "corr-1";
    auto parent_id = f.engine.executor().start_workflow(request);
    auto wf = f.workflow(parent_id);
    REQUIRE(EngineFixture::statuses(wf) == Statuses{"sub:SCHEDULED"});
    f.advance(0);
    wf = f.workflow(parent_id);
    const Task sub = task_of(wf, "sub");

    THEN("the task is IN_PROGRESS and names a child that already has its first task") {
      CHECK(sub.status == TaskStatus::kInProgress);
      CHECK(sub.task_type == "SUB_WORKFLOW");
      REQUIRE(sub.sub_workflow_id);
      CHECK(sub.output_data.at("subWorkflowId") == Json(*sub.sub_workflow_id));
      CHECK(*sub.sub_workflow_id ==
            detail::name_uuid(fmt::format("subworkflow:{}:{}:0", parent_id, sub.task_id)));
      auto child = f.workflow(*sub.sub_workflow_id);
      CHECK(child.status == WorkflowStatus::kRunning);
      CHECK(child.parent_workflow_id == parent_id);
      CHECK(child.parent_workflow_task_id == sub.task_id);
      CHECK(child.correlation_id == "corr-1");
      CHECK(child.input.at("x") == "hello");
      CHECK(EngineFixture::statuses(child) == Statuses{"c1:SCHEDULED"});
    }

    WHEN("the child's task completes") {
      auto c1 = f.poll("child_task");
      CHECK(c1.input_data.at("x") == "hello");
      f.complete(c1, {{"v", "world"}});

      THEN("the child completes and the parent's task takes its output in the same step") {
        auto child = f.workflow(*sub.sub_workflow_id);
        CHECK(child.status == WorkflowStatus::kCompleted);
        CHECK(child.output == JsonObject{{"childOut", "world"}});
        auto done = task_of(f.workflow(parent_id), "sub");
        CHECK(done.status == TaskStatus::kCompleted);
        CHECK(done.output_data.at("childOut") == "world");
        CHECK(done.output_data.at("subWorkflowId") == Json(*sub.sub_workflow_id));
      }
      AND_THEN("the parent goes on at the next sweep, without waiting for its decider timer") {
        f.advance(0);
        auto after = f.poll("after_task");
        CHECK(after.input_data.at("fromChild") == "world");
        f.complete(after);
        CHECK(f.workflow(parent_id).status == WorkflowStatus::kCompleted);
      }
    }
  }
}

TEST_CASE("sub_workflow: the child inherits the parent's domains and takes the given priority", "[scenario]") {
  EngineFixture f;
  define(f, R"({"name": "child", "version": 1, "priority": "${workflow.input.childPriority}"})");
  StartWorkflowRequest request;
  request.name = "parent";
  request.input = JsonObject{{"x", "hello"}, {"childPriority", 7}};
  request.task_to_domain = {{"child_task", "blue"}};
  request.priority = 3;
  auto [parent_id, child_id] = start_with_child(f, request);
  auto sub = task_of(f.workflow(parent_id), "sub");
  CHECK(sub.workflow_priority == 7);
  auto child = f.workflow(child_id);
  CHECK(child.priority == 7);
  CHECK(child.task_to_domain == std::map<std::string, std::string>{{"child_task", "blue"}});
  CHECK(f.nothing_to_poll("child_task"));
  CHECK(f.poll("child_task", "blue").workflow_instance_id == child_id);
}

TEST_CASE("sub_workflow: subWorkflowParam taskToDomain replaces the parent's", "[scenario]") {
  EngineFixture f;
  define(f, R"({"name": "child", "version": 1, "taskToDomain": {"child_task": "green"}})");
  StartWorkflowRequest request;
  request.name = "parent";
  request.input = JsonObject{{"x", "hello"}};
  request.task_to_domain = {{"child_task", "blue"}};
  auto [parent_id, child_id] = start_with_child(f, request);
  CHECK(f.workflow(child_id).task_to_domain == std::map<std::string, std::string>{{"child_task", "green"}});
  CHECK(f.poll("child_task", "green").workflow_instance_id == child_id);
}

TEST_CASE("sub_workflow: an inline workflowDefinition runs without being registered", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "parent", "tasks": [
      {"name": "sub_task", "taskReferenceName": "sub", "type": "SUB_WORKFLOW", "inputParameters": {"x": 1},
       "subWorkflowParam": {"workflowDefinition": {"name": "inline_child", "version": 3, "tasks": [
          {"name": "inline_task", "taskReferenceName": "i1"}]}}}]})");
  auto [parent_id, child_id] = start_with_child(f);
  auto sub = task_of(f.workflow(parent_id), "sub");
  CHECK(sub.input_data.at("subWorkflowName") == "inline_child");
  CHECK(sub.input_data.at("subWorkflowVersion") == 3);
  auto child = f.workflow(child_id);
  CHECK(child.workflow_name() == "inline_child");
  CHECK(child.input.at("x") == 1);
  CHECK(child.input.at("_systemMetadata") == JsonObject{{"dynamic", true}});
  f.complete(f.poll("inline_task"), {{"r", 2}});
  f.advance(0);
  auto parent = f.workflow(parent_id);
  CHECK(parent.status == WorkflowStatus::kCompleted);
  CHECK(parent.output.at("r") == 2);
}

TEST_CASE("sub_workflow: a child without a version runs the latest one registered when the parent started",
          "[scenario]") {
  EngineFixture f;
  define(f, R"({"name": "child"})");
  f.workflow_def(R"({"name": "child", "version": 2, "tasks": [{"name": "child_task_v2", "taskReferenceName": "c1"}]})");
  auto parent_id = f.start("parent", {{"x", "hello"}});
  f.workflow_def(R"({"name": "child", "version": 3, "tasks": [{"name": "child_task_v3", "taskReferenceName": "c1"}]})");
  f.advance(0);
  auto sub = task_of(f.workflow(parent_id), "sub");
  CHECK(sub.input_data.at("subWorkflowVersion") == 2);
  CHECK(f.workflow(*sub.sub_workflow_id).workflow_version() == 2);
  CHECK(f.poll("child_task_v2").workflow_instance_id == *sub.sub_workflow_id);
}

TEST_CASE("sub_workflow: starting a parent whose child is not registered fails", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "orphan", "tasks": [{"name": "s", "taskReferenceName": "sub", "type": "SUB_WORKFLOW",
                     "subWorkflowParam": {"name": "missing_child"}}]})");
  CHECK_THROWS_WITH(f.start("orphan"),
                    "The Task missing_child defined as a sub-workflow has no workflow definition available ");
}

TEST_CASE("sub_workflow: a child that cannot start fails the task", "[scenario]") {
  EngineFixture f;
  define(f, R"({"name": "child", "version": 9})");
  auto parent_id = f.start("parent", {{"x", "hello"}});
  f.advance(0);
  auto parent = f.workflow(parent_id);
  CHECK(parent.status == WorkflowStatus::kFailed);
  CHECK(task_of(parent, "sub").status == TaskStatus::kFailed);
  CHECK(task_of(parent, "sub").reason_for_incompletion == "No such workflow defined. name=child, version=9");
}

SCENARIO("sub_workflow: a child that fails fails its task", "[scenario]") {
  EngineFixture f;
  define(f);
  f.task_def(R"({"name": "child_task", "retryCount": 0})");
  GIVEN("no task definition for the SUB_WORKFLOW node, so no retry") {
    auto [parent_id, child_id] = start_with_child(f);
    f.report(f.poll("child_task"), TaskResultStatus::kFailed, {}, "child broke");
    auto child = f.workflow(child_id);
    REQUIRE(child.status == WorkflowStatus::kFailed);
    auto sub = task_of(f.workflow(parent_id), "sub");
    THEN("the task is FAILED with the child's reason, and the parent fails at its next decide") {
      CHECK(sub.status == TaskStatus::kFailed);
      CHECK(*sub.reason_for_incompletion ==
            fmt::format("Sub workflow child.1/{} failure reason: {}", child_id, *child.reason_for_incompletion));
      f.advance(0);
      auto parent = f.workflow(parent_id);
      CHECK(parent.status == WorkflowStatus::kFailed);
      CHECK(*parent.reason_for_incompletion ==
            fmt::format("Task {} failed with status: FAILED and reason: '{}'", sub.task_id, *sub.reason_for_incompletion));
    }
  }
  GIVEN("a task definition for the node's name with one retry") {
    f.task_def(R"({"name": "sub_task", "retryCount": 1, "retryDelaySeconds": 0})");
    auto [parent_id, child_id] = start_with_child(f);
    f.report(f.poll("child_task"), TaskResultStatus::kFailed, {}, "child broke");
    f.advance(0);
    auto parent = f.workflow(parent_id);
    REQUIRE(EngineFixture::statuses(parent) == Statuses{"sub:FAILED", "sub:SCHEDULED"});
    THEN("the retry starts a second child, whose success lets the parent go on") {
      f.advance(0);
      auto retry = task_of(f.workflow(parent_id), "sub");
      REQUIRE(retry.sub_workflow_id);
      CHECK(*retry.sub_workflow_id != child_id);
      CHECK(*retry.sub_workflow_id == detail::name_uuid(fmt::format("subworkflow:{}:{}:1", parent_id, retry.task_id)));
      f.complete(f.poll("child_task"), {{"v", "second"}});
      f.advance(0);
      CHECK(f.poll("after_task").input_data.at("fromChild") == "second");
    }
  }
}

TEST_CASE("sub_workflow: a terminated child cancels its task and terminates the parent", "[scenario]") {
  EngineFixture f;
  define(f);
  auto [parent_id, child_id] = start_with_child(f);
  f.engine.executor().terminate(child_id, "stop the child");
  auto sub = task_of(f.workflow(parent_id), "sub");
  CHECK(sub.status == TaskStatus::kCanceled);
  f.advance(0);
  auto parent = f.workflow(parent_id);
  CHECK(parent.status == WorkflowStatus::kTerminated);
  CHECK_THAT(*parent.reason_for_incompletion, Catch::Contains("stop the child"));
}

TEST_CASE("sub_workflow: terminating the parent terminates the running child", "[scenario]") {
  EngineFixture f;
  define(f);
  auto [parent_id, child_id] = start_with_child(f);
  f.engine.executor().terminate(parent_id, "stop everything");
  auto parent = f.workflow(parent_id);
  CHECK(parent.status == WorkflowStatus::kTerminated);
  CHECK(task_of(parent, "sub").status == TaskStatus::kCanceled);
  auto child = f.workflow(child_id);
  CHECK(child.status == WorkflowStatus::kTerminated);
  CHECK(child.reason_for_incompletion == "Parent workflow has been terminated with reason: stop everything");
  CHECK(EngineFixture::statuses(child) == Statuses{"c1:CANCELED"});
  CHECK(f.nothing_to_poll("child_task"));
  f.advance(0);
  CHECK(f.workflow(parent_id).status == WorkflowStatus::kTerminated);
}

TEST_CASE("sub_workflow: a parent that times out terminates its child", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "child", "tasks": [{"name": "child_task", "taskReferenceName": "c1"}]})");
  f.workflow_def(R"({"name": "parent", "timeoutSeconds": 10, "timeoutPolicy": "TIME_OUT_WF", "tasks": [
      {"name": "sub_task", "taskReferenceName": "sub", "type": "SUB_WORKFLOW",
       "subWorkflowParam": {"name": "child", "version": 1}}]})");
  auto [parent_id, child_id] = start_with_child(f);
  f.advance(11);
  CHECK(f.workflow(parent_id).status == WorkflowStatus::kTimedOut);
  auto child = f.workflow(child_id);
  CHECK(child.status == WorkflowStatus::kTerminated);
  CHECK_THAT(*child.reason_for_incompletion,
             Catch::StartsWith("Parent workflow has been terminated with reason: Workflow timed out"));
}

TEST_CASE("sub_workflow: the sweeper brings a task up to date with a child that ended", "[scenario]") {
  auto storage = open_sqlite({});
  Storage& raw = *storage;
  EngineFixture f(std::move(storage));
  define(f);
  auto [parent_id, child_id] = start_with_child(f);
  f.complete(f.poll("child_task"), {{"v", "late"}});
  {
    // As if the child's end had never reached its parent's task.
    const auto sub_id = task_of(f.workflow(parent_id), "sub").task_id;
    auto tx = raw.begin();
    auto sub = tx->execution().find_task(sub_id);
    sub->status = TaskStatus::kInProgress;
    sub->output_data.erase("childOut");
    tx->execution().update_task(*sub);
    tx->commit();
  }
  f.advance(0);
  auto sub = task_of(f.workflow(parent_id), "sub");
  CHECK(sub.status == TaskStatus::kCompleted);
  CHECK(sub.output_data.at("childOut") == "late");
  CHECK(f.poll("after_task").input_data.at("fromChild") == "late");
}
