// The smaller system tasks end to end: HUMAN, START_WORKFLOW, EVENT and NOOP.
#include "engine_fixture.hpp"

using namespace conductor;
using Statuses = std::vector<std::string>;

SCENARIO("human: the task waits until it is completed by reference", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "human_wf", "tasks": [
      {"name": "approve", "taskReferenceName": "approve", "type": "HUMAN", "inputParameters": {"doc": "${workflow.input.doc}"}},
      {"name": "after", "taskReferenceName": "after",
       "inputParameters": {"ok": "${approve.output.ok}", "by": "${approve.output.by}"}}]})");
  auto id = f.start("human_wf", {{"doc", "d-1"}});
  auto wf = f.workflow(id);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"approve:IN_PROGRESS"});
  const Task human = wf.tasks[0];
  CHECK(human.task_type == "HUMAN");
  CHECK(human.input_data.at("doc") == "d-1");
  f.advance(3600);
  REQUIRE(EngineFixture::statuses(f.workflow(id)) == Statuses{"approve:IN_PROGRESS"});

  WHEN("someone completes it by its reference name") {
    auto updated = f.engine.queue().update_task_by_ref(id, "approve", TaskResultStatus::kCompleted,
                                                       {{"ok", true}, {"by", "alice"}});
    THEN("the workflow goes on with its output") {
      CHECK(updated.task_id == human.task_id);
      CHECK(f.poll("after").input_data == JsonObject{{"ok", true}, {"by", "alice"}});
    }
  }
  WHEN("the workflow is terminated") {
    f.engine.executor().terminate(id, "no decision");
    THEN("the task is canceled") { CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"approve:CANCELED"}); }
  }
}

SCENARIO("start_workflow: a task starts another workflow and completes with its id", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "target", "tasks": [{"name": "target_task", "taskReferenceName": "t",
                     "inputParameters": {"p": "${workflow.input.param1}"}}]})");
  f.workflow_def(R"({"name": "starter", "tasks": [{"name": "st", "taskReferenceName": "st", "type": "START_WORKFLOW",
      "inputParameters": {"startWorkflow": {"name": "target", "version": 1,
                                            "input": {"param1": "${workflow.input.value}"}}}}]})");
  StartWorkflowRequest request;
  request.name = "starter";
  request.input = JsonObject{{"value", "from-starter"}};
  request.correlation_id = "corr-start";
  request.task_to_domain = {{"target_task", "blue"}};
  auto id = f.engine.executor().start_workflow(request);
  REQUIRE(EngineFixture::statuses(f.workflow(id)) == Statuses{"st:SCHEDULED"});

  WHEN("the sweeper runs the task") {
    f.advance(0);
    auto starter = f.workflow(id);
    THEN("the starter completed and the new workflow runs on its own") {
      CHECK(starter.status == WorkflowStatus::kCompleted);
      const Task& st = starter.tasks[0];
      CHECK(st.task_type == "START_WORKFLOW");
      CHECK(st.status == TaskStatus::kCompleted);
      auto started = f.workflow(std::string(st.output_data.at("workflowId").as_string()));
      CHECK(started.workflow_name() == "target");
      CHECK(started.correlation_id == "corr-start");
      CHECK(started.task_to_domain == request.task_to_domain);
      CHECK_FALSE(started.parent_workflow_id);
      CHECK(started.input.at("param1") == "from-starter");
      CHECK(f.poll("target_task", "blue").input_data.at("p") == "from-starter");
    }
  }
}

TEST_CASE("start_workflow: a request that cannot start fails the task", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "starter", "tasks": [{"name": "st", "taskReferenceName": "st", "type": "START_WORKFLOW",
      "inputParameters": {"startWorkflow": "${workflow.input.request}"}}]})");
  auto reason_for = [&](Json request) {
    auto id = f.start("starter", {{"request", std::move(request)}});
    f.advance(0);
    auto wf = f.workflow(id);
    CHECK(wf.status == WorkflowStatus::kFailed);
    return wf.tasks[0].reason_for_incompletion.value_or("");
  };
  CHECK(reason_for(nullptr) == "Missing 'startWorkflow' in input data.");
  CHECK(reason_for(JsonObject{{"version", 1}}) ==
        "startWorkflow validation failed. 'name' -> Workflow name cannot be null or empty. ");
  CHECK(reason_for(JsonObject{{"name", "x"}, {"priority", 100}}) ==
        "startWorkflow validation failed. 'priority' -> priority: 100 should be maximum 99. ");
  CHECK_THAT(reason_for(JsonObject{{"name", JsonArray{}}}), Catch::StartsWith("Error reading StartWorkflowRequest. "));
  CHECK(reason_for(JsonObject{{"name", "unknown"}}) == "No such workflow defined. name=unknown, version=null");
}

TEST_CASE("event: a conductor sink completes the task with the published message", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "event_wf", "tasks": [
      {"name": "notify", "taskReferenceName": "notify", "type": "EVENT", "sink": "conductor",
       "inputParameters": {"order": "${workflow.input.order}"}},
      {"name": "after", "taskReferenceName": "after", "inputParameters": {"queue": "${notify.output.event_produced}"}}]})");
  auto id = f.start("event_wf", {{"order", 7}});
  auto wf = f.workflow(id);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"notify:COMPLETED", "after:SCHEDULED"});
  CHECK(wf.tasks[0].output_data.at("order") == 7);
  CHECK(wf.tasks[0].output_data.at("workflowInstanceId") == Json(id));
  CHECK(f.poll("after").input_data.at("queue") == "conductor:event_wf:notify");
}

TEST_CASE("event: with asyncComplete the task waits for its update", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "event_wf", "tasks": [
      {"name": "notify", "taskReferenceName": "notify", "type": "EVENT", "sink": "conductor:orders",
       "asyncComplete": true}]})");
  auto id = f.start("event_wf");
  auto wf = f.workflow(id);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"notify:IN_PROGRESS"});
  f.advance(60);
  REQUIRE(EngineFixture::statuses(f.workflow(id)) == Statuses{"notify:IN_PROGRESS"});
  f.complete(wf.tasks[0]);
  CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("noop: the task completes at once and the workflow goes on", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "noop_wf", "tasks": [
      {"name": "nothing", "taskReferenceName": "nothing", "type": "NOOP", "inputParameters": {"a": 1}},
      {"name": "after", "taskReferenceName": "after"}]})");
  auto id = f.start("noop_wf");
  auto wf = f.workflow(id);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"nothing:COMPLETED", "after:SCHEDULED"});
  CHECK(wf.tasks[0].task_type == "NOOP");
  CHECK(wf.tasks[0].input_data.empty());
}
