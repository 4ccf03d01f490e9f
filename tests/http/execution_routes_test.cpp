// The synchronous routes over a real Engine, driven through the router (no sockets): execute,
// signals, the workflow test, their answer shapes and failures, and a parked wait woken by a commit.
#include "http/router.hpp"
#include "http/routes.hpp"
#include "scenario/engine_fixture.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

using namespace conductor;
using namespace conductor::http;

namespace {

struct Sync {
  EngineFixture f;
  Router router = make_router(f.engine);

  Sync() {
    f.workflow_def(R"({"name": "instant", "tasks": [{"name": "remember", "taskReferenceName": "remember",
        "type": "SET_VARIABLE", "inputParameters": {"who": "${workflow.input.who}"}}],
        "outputParameters": {"who": "${workflow.variables.who}"}})");
    f.workflow_def(R"({"name": "approval", "tasks": [
        {"name": "wait", "taskReferenceName": "hold", "type": "WAIT"},
        {"name": "notify", "taskReferenceName": "notify", "inputParameters": {"d": "${hold.output.d}"}}]})");
    f.workflow_def(R"({"name": "outer", "tasks": [{"name": "sub", "taskReferenceName": "sub",
        "type": "SUB_WORKFLOW", "subWorkflowParam": {"name": "approval", "version": 1}}]})");
  }

  /// The answer, a parked one taken as if its time were up.
  Response post(std::string_view target, std::string body = "{}") const {
    Response response = router.dispatch(Request(Method::kPost, target, std::move(body)));
    if (response.pending) return *response.pending->attempt([] {}, true);
    return response;
  }
  Json json(std::string_view target, std::string body = "{}") const {
    const Response response = post(target, std::move(body));
    INFO(response.body);
    REQUIRE(response.status == 200);
    REQUIRE(response.content_type == kJsonContentType);
    return boost::json::parse(response.body);
  }
  void check_status(std::string_view target, int status, std::string body = "{}") const {
    const Response response = post(target, std::move(body));
    INFO(response.body);
    CHECK(response.status == status);
    CHECK(boost::json::parse(response.body).at("status") == status);
  }
};

std::string str(const Json& value) { return std::string(value.as_string()); }

}  // namespace

TEST_CASE("execute route: a run that ends at once answers a WorkflowRun", "[http]") {
  Sync api;
  const Json run = api.json("/api/workflow/execute/instant/1?requestId=r-1", R"({"input": {"who": "ada"}})");
  CHECK(run.at("responseType") == "TARGET_WORKFLOW");
  CHECK(run.at("status") == "COMPLETED");
  CHECK(run.at("targetWorkflowStatus") == "COMPLETED");
  CHECK(run.at("output") == boost::json::parse(R"({"who": "ada"})"));
  CHECK(run.at("variables") == boost::json::parse(R"({"who": "ada"})"));
  CHECK(run.at("requestId") == "r-1");
  CHECK(run.at("signalTimeout") == false);
  CHECK(run.at("targetWorkflowId") == run.at("workflowId"));
  CHECK(run.at("tasks").as_array().size() == 1);
  CHECK(api.f.workflow(str(run.at("workflowId"))).status == WorkflowStatus::kCompleted);

  // Version 0 is the latest; without a requestId one is drawn.
  const Json latest = api.json("/api/workflow/execute/instant/0", R"({"input": {"who": "bo"}})");
  CHECK(latest.at("status") == "COMPLETED");
  CHECK(str(latest.at("requestId")).size() == 36);
}

TEST_CASE("execute route: the return strategies shape a blocked run", "[http]") {
  Sync api;
  const Json target = api.json("/api/workflow/execute/approval/1");
  CHECK(target.at("responseType") == "TARGET_WORKFLOW");
  CHECK(target.at("status") == "RUNNING");
  CHECK(target.at("signalTimeout") == false);

  const Json task = api.json("/api/workflow/execute/approval/1?returnStrategy=BLOCKING_TASK_INPUT",
                             R"({"input": {"x": 1}})");
  CHECK(task.at("responseType") == "BLOCKING_TASK_INPUT");
  CHECK(task.at("taskType") == "WAIT");
  CHECK(task.at("referenceTaskName") == "hold");
  CHECK(task.at("status") == "IN_PROGRESS");
  CHECK(task.at("targetWorkflowStatus") == "RUNNING");
  CHECK(task.at("workflowId") == task.at("targetWorkflowId"));

  // A WAIT in a sub-workflow (started at the sweep, which this test runs by hand).
  api.f.workflow_def(R"({"name": "gates", "tasks": [{"name": "wait", "taskReferenceName": "first", "type": "WAIT"},
      {"name": "wait", "taskReferenceName": "second", "type": "WAIT"}]})");
  api.f.workflow_def(R"({"name": "nested", "tasks": [{"name": "sub", "taskReferenceName": "sub",
      "type": "SUB_WORKFLOW", "subWorkflowParam": {"name": "gates", "version": 1}}]})");
  const std::string id = api.f.start("nested");
  api.f.advance(0);
  const Json blocking = api.json("/api/tasks/" + id + "/COMPLETED/signal/sync?returnStrategy=BLOCKING_WORKFLOW");
  CHECK(blocking.at("responseType") == "BLOCKING_WORKFLOW");
  CHECK(str(blocking.at("targetWorkflowId")) == id);
  CHECK(str(blocking.at("workflowId")) != id);
  CHECK(blocking.at("status") == "RUNNING");
  CHECK(blocking.at("tasks").as_array().size() == 2);

  const std::string other = api.f.start("nested");
  api.f.advance(0);
  const Json in_child = api.json("/api/tasks/" + other + "/COMPLETED/signal/sync?returnStrategy=BLOCKING_TASK");
  CHECK(in_child.at("responseType") == "BLOCKING_TASK");
  CHECK(in_child.at("referenceTaskName") == "second");
  CHECK(str(in_child.at("targetWorkflowId")) == other);
  CHECK(str(in_child.at("workflowId")) != other);

  // A task strategy with nothing blocking answers the target.
  const Json nothing = api.json("/api/workflow/execute/nested/1?returnStrategy=BLOCKING_TASK");
  CHECK(nothing.at("responseType") == "TARGET_WORKFLOW");
  CHECK(nothing.at("signalTimeout") == true);
  CHECK(nothing.at("status") == "RUNNING");
}

TEST_CASE("execute route: failures answer before anything starts", "[http]") {
  Sync api;
  api.check_status("/api/workflow/execute/missing/1", 404);
  api.check_status("/api/workflow/execute/instant/1?returnStrategy=EVERYTHING", 400);
  api.check_status("/api/workflow/execute/instant/1?consistency=EVENTUAL", 400);
  api.check_status("/api/workflow/execute/instant/1?waitForSeconds=-1", 400);
  api.check_status("/api/workflow/execute/instant/one", 400);
  api.check_status("/api/workflow/execute/instant/1", 400, "not json");
  CHECK(api.f.engine.executor().search({}).total_hits == 0);
}

TEST_CASE("execute route: a parked run is answered at the commit that settles it", "[http]") {
  Sync api;
  api.f.workflow_def(R"({"name": "worker", "tasks": [{"name": "task_a", "taskReferenceName": "a"}]})");
  const Response parked =
      api.router.dispatch(Request(Method::kPost, "/api/workflow/execute/worker/1?waitUntilTaskRef=x,a", "{}"));
  REQUIRE(parked.pending);
  int wakes = 0;
  CHECK_FALSE(parked.pending->attempt([&] { ++wakes; }, false));
  api.f.complete(api.f.poll("task_a"));
  CHECK(wakes >= 1);
  const auto answer = parked.pending->attempt([&] { ++wakes; }, false);
  REQUIRE(answer);
  const Json run = boost::json::parse(answer->body);
  CHECK(run.at("status") == "COMPLETED");
  CHECK(run.at("signalTimeout") == false);
}

TEST_CASE("signal routes: async and sync signals, and what they refuse", "[http]") {
  Sync api;
  const std::string id = api.f.start("approval");
  const Response async = api.post("/api/tasks/" + id + "/COMPLETED/signal", R"({"d": "yes"})");
  CHECK(async.status == 200);
  CHECK(async.body.empty());
  CHECK(api.f.poll("notify").input_data.at("d") == "yes");

  // Nothing waits for a signal: the async route says nothing, the sync one 404.
  CHECK(api.post("/api/tasks/" + id + "/COMPLETED/signal").status == 200);
  api.check_status("/api/tasks/" + id + "/COMPLETED/signal/sync", 404);
  api.check_status("/api/tasks/no-such-id/COMPLETED/signal", 404);
  api.check_status("/api/tasks/no-such-id/COMPLETED/signal/sync", 404);

  const std::string other = api.f.start("approval");
  api.check_status("/api/tasks/" + other + "/DONE/signal", 400);
  api.check_status("/api/tasks/" + other + "/COMPLETED/signal/sync?returnStrategy=ALL", 400);
  api.check_status("/api/tasks/" + other + "/COMPLETED/signal/sync?timeoutMillis=-5", 400);
  api.check_status("/api/tasks/" + other + "/COMPLETED/signal", 400, "[1]");
  CHECK(EngineFixture::statuses(api.f.workflow(other)) == std::vector<std::string>{"hold:IN_PROGRESS"});

  const Json run = api.json("/api/tasks/" + other + "/FAILED/signal/sync?timeoutMillis=1");
  CHECK(run.at("status") == "FAILED");
  CHECK(run.at("responseType") == "TARGET_WORKFLOW");
}

TEST_CASE("test route: runs mocks and never starts a workflow named test", "[http]") {
  Sync api;
  api.f.workflow_def(R"({"name": "test", "tasks": [{"name": "task_a", "taskReferenceName": "a"}]})");
  const Json wf = api.json("/api/workflow/test", R"({"name": "test", "input": {"k": 1},
      "taskRefToMockOutput": {"a": [{"status": "COMPLETED", "output": {"v": 7}}]}})");
  CHECK(wf.at("status") == "COMPLETED");
  CHECK(wf.at("tasks").at(0).at("outputData").at("v") == 7);
  CHECK(api.f.engine.executor().running_workflow_ids("test").empty());
  CHECK_FALSE(api.f.engine.executor().find_workflow(str(wf.at("workflowId"))));
  CHECK(api.f.nothing_to_poll("task_a"));

  const Json nested = api.json("/api/workflow/test", R"({"name": "outer",
      "subWorkflowTestRequest": {"sub": {"name": "approval",
          "taskRefToMockOutput": {"hold": [{"output": {"d": "y"}}], "notify": [{"output": {}}]}}}})");
  CHECK(nested.at("status") == "COMPLETED");

  api.check_status("/api/workflow/test", 404, R"({"name": "missing"})");
  api.check_status("/api/workflow/test", 400, R"({"input": {}})");
  api.check_status("/api/workflow/test", 400,
                   R"({"name": "test", "taskRefToMockOutput": {"a": [{"executionTime": 5, "output": {}}]}})");
  api.check_status("/api/workflow/test", 400, R"({"name": "test", "taskRefToMockOutput": {"a": {}}})");
  api.check_status("/api/workflow/test", 400,
                   R"({"name": "test", "taskRefToMockOutput": {"a": [{"status": "DONE"}]}})");
  CHECK(api.f.engine.executor().search({}).total_hits == 0);
}
