// `/api/workflow/bulk` (api.md 1.8): each id on its own, errors reported per id with Conductor's
// messages, 1 to 1000 ids.
#include "http/api_fixture.hpp"

#include <boost/json/serialize.hpp>

#include <map>
#include <string>
#include <vector>

namespace {

// Three worker tasks a → b → c that fail for good on the first failure.
void three_tasks(EngineFixture& f) {
  for (const char* name : {"a", "b", "c"}) f.task_def(fmt::format(R"({{"name": "{}", "retryCount": 0}})", name));
  f.workflow_def(R"({"name": "three", "tasks": [{"name": "a", "taskReferenceName": "t1"},
      {"name": "b", "taskReferenceName": "t2"}, {"name": "c", "taskReferenceName": "t3"}]})");
}

/// One run of `three` that has completed, and one that runs.
struct TwoRuns {
  Api api;
  EngineFixture& f = api.f;
  std::string done;
  std::string running;

  TwoRuns() {
    three_tasks(f);
    done = f.start("three");
    for (const char* type : {"a", "b", "c"}) f.complete(f.poll(type));
    running = f.start("three");
    REQUIRE(f.workflow(done).status == WorkflowStatus::kCompleted);
  }
};

std::string ids_body(const std::vector<std::string>& ids) {
  JsonArray array;
  for (const auto& id : ids) array.emplace_back(id);
  return boost::json::serialize(array);
}

BulkResponse bulk(const Api& api, Method method, std::string_view target, const std::vector<std::string>& ids) {
  const Response response = api.call(method, target, ids_body(ids));
  INFO(response.body);
  REQUIRE(response.status == 200);
  return decode<BulkResponse>(response.body);
}

// The one violation of a 400 answer, as `path: message`.
std::string violation_of(const Response& response) {
  INFO(response.body);
  REQUIRE(response.status == 400);
  const Json body = Api::json(response);
  const auto& violations = body.at("validationErrors").as_array();
  REQUIRE(violations.size() == 1);
  return std::string(violations[0].at("path").as_string()) + ": " + std::string(violations[0].at("message").as_string());
}

}  // namespace

TEST_CASE_METHOD(TwoRuns, "bulk routes: each id on its own, errors reported per id", "[http][bulk]") {
  const std::vector<std::string> ids{running, done, "nope"};
  const std::string not_found = "No such workflow found by id: nope";

  auto paused = bulk(api, Method::kPut, "/api/workflow/bulk/pause", ids);
  CHECK(paused.bulk_successful_results == std::vector<std::string>{running});
  CHECK(paused.bulk_error_results ==
        std::map<std::string, std::string>{
            {done, "Workflow three.1/" + done + " has ended, status cannot be updated."}, {"nope", not_found}});
  CHECK(f.workflow(running).status == WorkflowStatus::kPaused);

  auto resumed = bulk(api, Method::kPut, "/api/workflow/bulk/resume", ids);
  CHECK(resumed.bulk_successful_results == std::vector<std::string>{running});
  CHECK(resumed.bulk_error_results.at(done) ==
        "The workflow " + done + " is not PAUSED so cannot resume. Current status is COMPLETED");

  auto retried = bulk(api, Method::kPost, "/api/workflow/bulk/retry", ids);
  CHECK(retried.bulk_successful_results.empty());
  CHECK(retried.bulk_error_results.at(running) == "Workflow is still running.  status=RUNNING");
  CHECK(retried.bulk_error_results.at(done) ==
        "There are no retryable tasks! Use restart if you want to attempt entire workflow execution again.");

  auto restarted = bulk(api, Method::kPost, "/api/workflow/bulk/restart", ids);
  CHECK(restarted.bulk_successful_results == std::vector<std::string>{done});
  CHECK(restarted.bulk_error_results.at(running) ==
        "Workflow: three.1/" + running + ".RUNNING is not in terminal state, unable to restart.");
  CHECK(restarted.bulk_error_results.at("nope") == not_found);
  CHECK(f.workflow(done).status == WorkflowStatus::kRunning);

  auto terminated = bulk(api, Method::kPost, "/api/workflow/bulk/terminate?reason=bulk", {running, "nope"});
  CHECK(terminated.bulk_successful_results == std::vector<std::string>{running});
  CHECK(f.workflow(running).reason_for_incompletion == "bulk");

  auto removed = bulk(api, Method::kDelete, "/api/workflow/bulk/remove?archiveWorkflow=true", {running, "nope"});
  CHECK(removed.bulk_successful_results == std::vector<std::string>{running});
  CHECK(removed.bulk_error_results == std::map<std::string, std::string>{{"nope", not_found}});
  CHECK(!f.engine.executor().find_workflow(running));
}

TEST_CASE_METHOD(TwoRuns, "bulk routes: terminate-remove reports both steps of each id", "[http][bulk]") {

  auto response = bulk(api, Method::kDelete, "/api/workflow/bulk/terminate-remove?reason=bulk&archiveWorkflow=false",
                       {running, done, "nope"});
  // A running id succeeds twice; a COMPLETED one fails to terminate and is removed anyway.
  CHECK(response.bulk_successful_results == std::vector<std::string>{running, running, done});
  CHECK(response.bulk_error_results == std::map<std::string, std::string>{
                                           {done, "Cannot terminate a COMPLETED workflow."},
                                           {"nope", "No such workflow found by id: nope"}});
  CHECK(!f.engine.executor().find_workflow(running));
  CHECK(!f.engine.executor().find_workflow(done));
}

TEST_CASE("bulk routes: 1 to 1000 ids", "[http][bulk]") {
  Api api;
  CHECK(violation_of(api.put("/api/workflow/bulk/pause", "[]")) ==
        "pauseWorkflow.workflowIds: WorkflowIds list cannot be null.");
  const std::string many = ids_body(std::vector<std::string>(1001, "id"));
  CHECK(violation_of(api.call(Method::kDelete, "/api/workflow/bulk/terminate-remove", many)) ==
        "terminateRemove.workflowIds: Cannot process more than 1000 workflows. Please use multiple requests.");
  CHECK(violation_of(api.call(Method::kDelete, "/api/workflow/bulk/remove", many)) ==
        "deleteWorkflow.workflowIds: Cannot process more than 1000 workflows. Please use multiple requests.");
  CHECK(violation_of(api.post("/api/workflow/bulk/search", many)) ==
        "searchWorkflow.workflowIds: Cannot process more than 1000 workflows. Please use multiple requests.");
}
