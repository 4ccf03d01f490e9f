// The rest of Conductor's REST API: admin, environment and secrets, queue updates, bulk search,
// external payload locations and transfers, and a check that every route of Conductor's
// controllers is either served or answered 501 on purpose.
#include "http/api_fixture.hpp"
#include "storage/storage_fixtures.hpp"

#include <conductor/payload_storage.hpp>

#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <string>
#include <vector>

namespace {

using conductor::testing::TempDir;

std::string str(const Json& value) { return std::string(value.as_string()); }

/// True when the router found a handler for the request (whatever the handler then answered).
bool routed(const Response& response) {
  if (response.status == 405) return false;
  return response.status != 404 || response.body.find("No handler found") == std::string::npos;
}

struct Route {
  Method method;
  const char* target;
};

/// Every route of Conductor's controllers (api.md section 1), with a sample path for each pattern.
const std::vector<Route> kServed{
    {Method::kGet, "/api/metadata/taskdefs"}, {Method::kPost, "/api/metadata/taskdefs"},
    {Method::kPut, "/api/metadata/taskdefs"}, {Method::kGet, "/api/metadata/taskdefs/t"},
    {Method::kDelete, "/api/metadata/taskdefs/t"}, {Method::kGet, "/api/metadata/workflow"},
    {Method::kPost, "/api/metadata/workflow"}, {Method::kPut, "/api/metadata/workflow"},
    {Method::kGet, "/api/metadata/workflow/w"}, {Method::kDelete, "/api/metadata/workflow/w/1"},
    {Method::kPost, "/api/metadata/workflow/validate"}, {Method::kGet, "/api/metadata/workflow/names-and-versions"},
    {Method::kGet, "/api/metadata/workflow/names"}, {Method::kGet, "/api/metadata/workflow/w/versions"},
    {Method::kGet, "/api/metadata/workflow/latest-versions"},
    {Method::kPost, "/api/workflow"}, {Method::kPost, "/api/workflow/w"},
    {Method::kGet, "/api/workflow/id"}, {Method::kGet, "/api/workflow/id/status"},
    {Method::kGet, "/api/workflow/id/tasks"}, {Method::kGet, "/api/workflow/running/w"},
    {Method::kGet, "/api/workflow/w/correlated/c"}, {Method::kPost, "/api/workflow/w/correlated"},
    {Method::kPut, "/api/workflow/id/pause"}, {Method::kPut, "/api/workflow/id/resume"},
    {Method::kPut, "/api/workflow/id/skiptask/r"}, {Method::kPost, "/api/workflow/id/rerun"},
    {Method::kPost, "/api/workflow/id/restart"}, {Method::kPost, "/api/workflow/id/retry"},
    {Method::kPost, "/api/workflow/id/resetcallbacks"}, {Method::kPut, "/api/workflow/decide/id"},
    {Method::kDelete, "/api/workflow/id"}, {Method::kDelete, "/api/workflow/id/remove"},
    {Method::kDelete, "/api/workflow/id/terminate-remove"}, {Method::kGet, "/api/workflow/search"},
    {Method::kGet, "/api/workflow/search-v2"}, {Method::kGet, "/api/workflow/search-by-tasks"},
    {Method::kGet, "/api/workflow/search-by-tasks-v2"}, {Method::kGet, "/api/workflow/externalstoragelocation"},
    {Method::kGet, "/api/workflow/external-storage-location"},
    {Method::kPut, "/api/workflow/bulk/pause"}, {Method::kPut, "/api/workflow/bulk/resume"},
    {Method::kPost, "/api/workflow/bulk/restart"}, {Method::kPost, "/api/workflow/bulk/retry"},
    {Method::kPost, "/api/workflow/bulk/terminate"}, {Method::kDelete, "/api/workflow/bulk/remove"},
    {Method::kDelete, "/api/workflow/bulk/terminate-remove"}, {Method::kPost, "/api/workflow/bulk/search"},
    {Method::kGet, "/api/tasks/poll/t"}, {Method::kGet, "/api/tasks/poll/batch/t"}, {Method::kPost, "/api/tasks"},
    {Method::kPost, "/api/tasks/update-v2"}, {Method::kPost, "/api/tasks/id/r/COMPLETED"},
    {Method::kPost, "/api/tasks/id/r/COMPLETED/sync"}, {Method::kGet, "/api/tasks/id"},
    {Method::kPost, "/api/tasks/id/log"}, {Method::kGet, "/api/tasks/id/log"}, {Method::kGet, "/api/tasks/queue/size"},
    {Method::kGet, "/api/tasks/queue/sizes"}, {Method::kGet, "/api/tasks/queue/all"},
    {Method::kGet, "/api/tasks/queue/all/verbose"}, {Method::kGet, "/api/tasks/queue/polldata"},
    {Method::kGet, "/api/tasks/queue/polldata/all"}, {Method::kPost, "/api/tasks/queue/requeue/t"},
    {Method::kGet, "/api/tasks/search"}, {Method::kGet, "/api/tasks/search-v2"},
    {Method::kGet, "/api/tasks/externalstoragelocation"}, {Method::kGet, "/api/tasks/external-storage-location"},
    {Method::kPost, "/api/queue/update/id/r/COMPLETED"}, {Method::kPost, "/api/queue/update/id/task/t/COMPLETED"},
    {Method::kGet, "/api/admin/config"}, {Method::kGet, "/api/admin/task/t"},
    {Method::kPost, "/api/admin/sweep/requeue/id"}, {Method::kPost, "/api/admin/consistency/verifyAndRepair/id"},
    {Method::kGet, "/api/version"}, {Method::kGet, "/api/environment"}, {Method::kGet, "/api/environment/k"},
    {Method::kGet, "/api/secrets"},
    {Method::kPost, "/api/event"}, {Method::kPut, "/api/event"}, {Method::kGet, "/api/event"},
    {Method::kGet, "/api/event/e"}, {Method::kDelete, "/api/event/n"},
    {Method::kPost, "/api/workflow/execute/w/1"}, {Method::kPost, "/api/workflow/test"},
    {Method::kPost, "/api/tasks/id/COMPLETED/signal"}, {Method::kPost, "/api/tasks/id/COMPLETED/signal/sync"},
};

/// Routes answered 501 with the reason (docs/rest.md).
const std::vector<Route> kNotImplemented{
    {Method::kGet, "/api/queue/size"}, {Method::kGet, "/api/queue/"}, {Method::kGet, "/api/admin/queues"},
    {Method::kPost, "/api/workflow/id/messages"}, {Method::kPost, "/api/files"}, {Method::kGet, "/api/files/w/f"},
    {Method::kGet, "/api/files/w/f/upload-url"}, {Method::kGet, "/api/files/w/f/download-url"},
    {Method::kPost, "/api/files/w/f/upload-complete"}, {Method::kPut, "/api/files/content/w/f"},
    {Method::kGet, "/api/files/content/w/f"}, {Method::kPost, "/api/files/w/f/multipart"},
    {Method::kGet, "/api/files/w/f/multipart/u/part/1"}, {Method::kPost, "/api/files/w/f/multipart/u/complete"},
    {Method::kDelete, "/api/files/w/f/multipart/u"},
};

}  // namespace

TEST_CASE("every route of Conductor's controllers is served or answered 501 on purpose", "[http][routes]") {
  Api api;
  for (const auto& route : kServed) {
    INFO(to_string(route.method) << " " << route.target);
    CHECK(routed(api.call(route.method, route.target)));
  }
  for (const auto& route : kNotImplemented) {
    INFO(to_string(route.method) << " " << route.target);
    const Response response = api.call(route.method, route.target);
    CHECK(response.status == 501);
    CHECK(Api::json(response).at("message").as_string().size() > 20);
  }
  // A path Conductor does not have stays a plain 404.
  CHECK_FALSE(routed(api.get("/api/nothing/here")));
}

TEST_CASE("admin routes: config reports the bounds the engine was given", "[http][admin]") {
  Api api([](conductor::EngineOptions& options) { options.limits.max_fork_branches = 12; });
  const Json config = Api::json(api.get("/api/admin/config"));
  CHECK(config.at("maxForkBranches") == 12);
  CHECK(config.at("maxTaskLogSizeKB") == 64);
}

TEST_CASE("admin routes", "[http][admin]") {
  Api api;
  api.two_tasks("flow");
  const std::string id = api.start("flow");

  SECTION("config names the payload limits and the engine's bounds") {
    const Json config = Api::json(api.get("/api/admin/config"));
    CHECK(config.at("taskOutputPayloadSizeThreshold") == 3072);
    CHECK(config.at("externalPayloadStorageEnabled") == false);
    CHECK(config.at("maxTasksPerWorkflow") == conductor::Limits{}.max_tasks_per_workflow);
    CHECK(config.at("maxSearchPageSize") == 5000);
  }
  SECTION("pending tasks of a type, sliced") {
    api.start("flow");
    CHECK(Api::json(api.get("/api/admin/task/task_a")).as_array().size() == 2);
    CHECK(Api::json(api.get("/api/admin/task/task_a?start=1&count=5")).as_array().size() == 1);
    CHECK(Api::json(api.get("/api/admin/task/task_a?start=7")).as_array().empty());
    CHECK(Api::json(api.get("/api/admin/task/task_b")).as_array().empty());
    CHECK(api.get("/api/admin/task/task_a?start=-1").status == 400);
  }
  SECTION("sweep requeue reports whether the workflow had to be queued") {
    const Response r = api.post("/api/admin/sweep/requeue/" + id);
    CHECK(r.content_type == kTextContentType);
    CHECK(r.body == "false." + id);
    CHECK(api.post("/api/admin/sweep/requeue/nope").status == 404);
  }
  SECTION("verify and repair puts back a lost task message") {
    const Json task = Api::json(api.get("/api/workflow/" + id)).at("tasks").at(0);
    CHECK(api.post("/api/admin/consistency/verifyAndRepair/" + id).body == "false");
    api.f.engine.queue().remove_from_queue(str(task.at("taskId")));
    CHECK(Api::json(api.get("/api/tasks/poll/batch/task_a?timeout=0")).as_array().empty());
    CHECK(api.post("/api/admin/consistency/verifyAndRepair/" + id).body == "true");
    CHECK(str(api.poll("task_a").at("taskId")) == str(task.at("taskId")));
    CHECK(api.post("/api/admin/consistency/verifyAndRepair/nope").status == 404);
  }
}

TEST_CASE("environment values and secret names", "[http][admin]") {
  Api api([](EngineOptions& options) {
    options.properties = {{"CONDUCTOR_ENV_region", "eu"}, {"CONDUCTOR_SECRET_api_key", "s3cr3t"}, {"other", "x"}};
  });
  const Json all = Api::json(api.get("/api/environment"));
  bool found = false;
  for (const auto& entry : all.as_array())
    if (entry.at("name") == "region") found = entry.at("value") == "eu";
  CHECK(found);
  const Response region = api.get("/api/environment/region");
  CHECK(region.content_type == kTextContentType);
  CHECK(region.body == "eu");
  CHECK(api.get("/api/environment/missing").status == 404);
  const Response secrets = api.get("/api/secrets");
  CHECK(secrets.body.find("api_key") != std::string::npos);
  CHECK(secrets.body.find("s3cr3t") == std::string::npos);
}

TEST_CASE("queue updates complete or fail a pending task at once", "[http][queue]") {
  Api api;
  api.two_tasks("flow");
  const std::string id = api.start("flow");

  CHECK(api.post("/api/queue/update/" + id + "/a/COMPLETED", R"({"by": "ref"})").status == 200);
  const Json wf = Api::json(api.get("/api/workflow/" + id));
  CHECK(wf.at("tasks").at(0).at("status") == "COMPLETED");
  CHECK(wf.at("tasks").at(0).at("outputData").at("by") == "ref");

  const std::string b = str(wf.at("tasks").at(1).at("taskId"));
  CHECK(api.post("/api/queue/update/" + id + "/task/" + b + "/FAILED_WITH_TERMINAL_ERROR", "{}").status == 200);
  CHECK(Api::json(api.get("/api/workflow/" + id)).at("status") == "FAILED");

  CHECK(api.post("/api/queue/update/" + id + "/task/" + b + "/COMPLETED", "{}").status == 404);  // ended
  CHECK(api.post("/api/queue/update/" + id + "/a/BOGUS", "{}").status == 400);
  CHECK(api.post("/api/queue/update/nope/a/COMPLETED", "{}").status == 404);
}

TEST_CASE("bulk search answers whole workflows and reports unknown ids", "[http][bulk]") {
  Api api;
  api.two_tasks("flow");
  const std::string id = api.start("flow");
  const Json found = Api::json(api.post("/api/workflow/bulk/search", R"([")" + id + R"(", "nope"])"));
  REQUIRE(found.at("bulkSuccessfulResults").as_array().size() == 1);
  CHECK(str(found.at("bulkSuccessfulResults").at(0).at("workflowId")) == id);
  CHECK(found.at("bulkSuccessfulResults").at(0).at("tasks").as_array().size() == 1);
  CHECK(found.at("bulkErrorResults").as_object().contains("nope"));
  const Json bare = Api::json(api.post("/api/workflow/bulk/search?includeTasks=false", R"([")" + id + R"("])"));
  CHECK(bare.at("bulkSuccessfulResults").at(0).at("tasks").as_array().empty());
  CHECK(api.post("/api/workflow/bulk/search", "[]").status == 400);
}

TEST_CASE("external payloads over HTTP", "[http][payload]") {
  TempDir dir;
  Api api([&](EngineOptions& options) {
    options.payload_storage = directory_payload_storage(dir.path());
    options.payload_limits.workflow_input_threshold_kb = 1;
    options.payload_limits.workflow_input_max_kb = 2;
  });
  api.two_tasks("flow");
  const Headers host{{"Host", "conductor.test:8080"}};

  const Json location = Api::json(api.router.dispatch(Request(
      Method::kGet, "/api/workflow/externalstoragelocation?operation=write&payloadType=WORKFLOW_INPUT&path=x", {},
      host)));
  const std::string path = str(location.at("path"));
  CHECK(str(location.at("uri")) == "http://conductor.test:8080/api/external/payload/" + path);

  const std::string big = R"({"blob": ")" + std::string(1500, 'z') + R"("})";
  CHECK(api.put("/api/external/payload/" + path, big).status == 200);
  CHECK(Api::json(api.get("/api/external/payload/" + path)) == boost::json::parse(big));

  const Response started = api.post("/api/workflow", R"({"name": "flow", "externalInputPayloadStoragePath": ")" +
                                                          path + R"("})");
  REQUIRE(started.status == 200);
  const Json wf = Api::json(api.get("/api/workflow/" + started.body));
  CHECK(wf.at("input").at("blob").as_string().size() == 1500);
  CHECK_FALSE(wf.as_object().contains("externalInputPayloadStoragePath"));

  SECTION("a read location names a stored payload") {
    const Json read = Api::json(
        api.get("/api/tasks/external-storage-location?operation=READ&payloadType=task_output&path=" + path));
    CHECK(str(read.at("path")) == path);
    CHECK(api.get("/api/tasks/externalstoragelocation?operation=READ&payloadType=TASK_OUTPUT&path=nope.json").status ==
          404);
  }
  SECTION("bad requests") {
    CHECK(api.get("/api/workflow/externalstoragelocation?operation=MOVE&payloadType=TASK_INPUT&path=p").status == 400);
    CHECK(api.get("/api/workflow/externalstoragelocation?operation=READ&payloadType=ALL&path=p").status == 400);
    CHECK(api.get("/api/workflow/externalstoragelocation?payloadType=TASK_INPUT").status == 400);
    CHECK(api.put("/api/external/payload/not-a-client-path.json", "{}").status == 400);
    CHECK(api.put("/api/external/payload/" + path, "[1]").status == 400);
    CHECK(api.get("/api/external/payload/nothing.json").status == 404);
    const std::string huge = R"({"blob": ")" + std::string(3000, 'z') + R"("})";
    CHECK(api.put("/api/external/payload/" + path, huge).status == 413);
    CHECK(api.post("/api/workflow/flow", huge).status == 413);
    CHECK(api.post("/api/workflow", R"({"name": "flow", "externalInputPayloadStoragePath": "nope.json"})").status ==
          400);
  }
}

TEST_CASE("external payload routes without a payload storage answer 501", "[http][payload]") {
  Api api;
  CHECK(api.get("/api/workflow/externalstoragelocation?operation=WRITE&payloadType=TASK_INPUT&path=p").status == 501);
  CHECK(api.get("/api/external/payload/a.json").status == 501);
  CHECK(api.put("/api/external/payload/a.json", "{}").status == 501);
}
