// The REST routes over a real Engine on in-memory SQLite, driven through the router with Request
// values (no sockets): status codes, content types, bodies and errors as api.md section 1 gives them.
#include "http/router.hpp"
#include "http/routes.hpp"
#include "http/api_fixture.hpp"
#include "counting_storage.hpp"

#include <conductor/version.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

using namespace conductor;
using namespace conductor::http;

namespace {

std::string str(const Json& value) { return std::string(value.as_string()); }

std::string task_result(const Json& task, std::string_view status, std::string_view output = "{}") {
  return R"({"workflowInstanceId": ")" + str(task.at("workflowInstanceId")) + R"(", "taskId": ")" +
         str(task.at("taskId")) + R"(", "status": ")" + std::string(status) + R"(", "workerId": "w1", "outputData": )" +
         std::string(output) + "}";
}

/// The status and, for a 400 with violations, whether they were listed.
void check_error(const Response& response, int status, bool violations = false) {
  INFO(response.body);
  CHECK(response.status == status);
  const Json body = Api::json(response);
  CHECK(body.at("status") == status);
  CHECK(!body.at("message").as_string().empty());
  CHECK((body.as_object().contains("validationErrors") && !body.at("validationErrors").as_array().empty()) ==
        violations);
}

}  // namespace

TEST_CASE("routes: task definitions are registered, read, updated and removed", "[http]") {
  Api api;
  const Response registered = api.post("/api/metadata/taskdefs", R"([{"name": "encode", "retryCount": 2},
                                                                      {"name": "decode"}])");
  CHECK(registered.status == 200);
  CHECK(registered.content_type.empty());
  CHECK(registered.body.empty());

  const Json all = Api::json(api.get("/api/metadata/taskdefs"));
  REQUIRE(all.as_array().size() == 2);
  CHECK(all.at(0).at("name") == "decode");

  const Json encode = Api::json(api.get("/api/metadata/taskdefs/encode"));
  CHECK(encode.at("retryCount") == 2);
  CHECK(encode.at("responseTimeoutSeconds") == 3600);

  CHECK(api.put("/api/metadata/taskdefs", R"({"name": "encode", "retryCount": 5})").status == 200);
  CHECK(Api::json(api.get("/api/metadata/taskdefs/encode")).at("retryCount") == 5);

  check_error(api.put("/api/metadata/taskdefs", R"({"name": "never"})"), 404);
  CHECK(api.del("/api/metadata/taskdefs/encode").status == 200);
  check_error(api.get("/api/metadata/taskdefs/encode"), 404);
  check_error(api.del("/api/metadata/taskdefs/encode"), 404);

  SECTION("an empty list, a single object, a bad field or broken JSON is a 400") {
    check_error(api.post("/api/metadata/taskdefs", "[]"), 400, true);
    check_error(api.post("/api/metadata/taskdefs", R"({"name": "x"})"), 400, true);
    check_error(api.post("/api/metadata/taskdefs", R"([{"name": "x", "retryCount": "many"}])"), 400, true);
    check_error(api.post("/api/metadata/taskdefs", R"([{"name": "x", "timeoutSeconds": 5,
                                                        "responseTimeoutSeconds": 10}])"),
                400, true);
    check_error(api.post("/api/metadata/taskdefs", "[{"), 400);
    check_error(api.post("/api/metadata/taskdefs"), 400);
    CHECK(Api::json(api.get("/api/metadata/taskdefs")).as_array().size() == 1);
  }
}

TEST_CASE("routes: workflow definitions conflict on POST, upsert on PUT and list their versions", "[http]") {
  Api api;
  api.two_tasks("flow", 1);
  api.two_tasks("flow", 2);

  const Response duplicate = api.post("/api/metadata/workflow", R"({"name": "flow", "version": 1, "tasks": [
      {"name": "task_a", "taskReferenceName": "a"}]})");
  check_error(duplicate, 409);
  CHECK(api.post("/api/metadata/workflow?overwrite=true", R"({"name": "flow", "version": 1, "description": "new",
      "tasks": [{"name": "task_a", "taskReferenceName": "a"}]})")
            .status == 200);
  CHECK(Api::json(api.get("/api/metadata/workflow/flow?version=1")).at("description") == "new");

  const Json bulk = Api::json(api.put("/api/metadata/workflow", R"([{"name": "other", "tasks": [
      {"name": "task_a", "taskReferenceName": "a"}]}])"));
  CHECK(bulk.at("bulkSuccessfulResults") == boost::json::parse(R"(["other"])"));

  CHECK(Api::json(api.get("/api/metadata/workflow/flow")).at("version") == 2);
  CHECK(Api::json(api.get("/api/metadata/workflow")).as_array().size() == 3);
  CHECK(Api::json(api.get("/api/metadata/workflow/names")) == boost::json::parse(R"(["flow", "other"])"));
  CHECK(Api::json(api.get("/api/metadata/workflow/latest-versions")).as_array().size() == 2);
  const Json names_and_versions = Api::json(api.get("/api/metadata/workflow/names-and-versions"));
  CHECK(names_and_versions.at("flow").as_array().size() == 2);
  const Json versions = Api::json(api.get("/api/metadata/workflow/flow/versions"));
  REQUIRE(versions.as_array().size() == 2);
  CHECK(versions.at(1).at("version") == 2);
  CHECK(Api::json(api.get("/api/metadata/workflow/nothing/versions")).as_array().empty());

  CHECK(api.post("/api/metadata/workflow/validate", R"({"name": "v", "tasks": [
      {"name": "task_a", "taskReferenceName": "a"}]})")
            .status == 200);
  check_error(api.post("/api/metadata/workflow/validate", R"({"name": "v", "tasks": []})"), 400, true);
  check_error(api.post("/api/metadata/workflow", R"({"tasks": [{"name": "t", "taskReferenceName": "a"}]})"), 400,
              true);

  CHECK(api.del("/api/metadata/workflow/flow/2").status == 200);
  check_error(api.get("/api/metadata/workflow/flow?version=2"), 404);
  check_error(api.del("/api/metadata/workflow/flow/2"), 404);
  CHECK(Api::json(api.get("/api/metadata/workflow/flow")).at("version") == 1);
  check_error(api.get("/api/metadata/workflow/flow?version=abc"), 400, true);
  check_error(api.del("/api/metadata/workflow/flow/latest"), 400, true);
}

TEST_CASE("routes: starting answers the id as text and reading answers the workflow", "[http]") {
  Api api;
  api.two_tasks("flow");

  const std::string id = api.start("flow", "?correlationId=c1&priority=7", R"({"k": "v"})");
  CHECK(id.size() == 36);
  Json wf = Api::json(api.get("/api/workflow/" + id));
  CHECK(str(wf.at("workflowId")) == id);
  CHECK(wf.at("correlationId") == "c1");
  CHECK(wf.at("priority") == 7);
  CHECK(wf.at("input").at("k") == "v");
  REQUIRE(wf.at("tasks").as_array().size() == 1);
  CHECK(wf.at("tasks").at(0).at("status") == "SCHEDULED");
  CHECK(Api::json(api.get("/api/workflow/" + id + "?includeTasks=false")).at("tasks").as_array().empty());

  const Response by_request = api.post("/api/workflow", R"({"name": "flow", "version": 1, "input": {"n": 1}})");
  CHECK(by_request.status == 200);
  CHECK(by_request.content_type == kTextContentType);
  CHECK(Api::json(api.get("/api/workflow/" + by_request.body)).at("input").at("n") == 1);

  const Json status = Api::json(api.get("/api/workflow/" + id + "/status?includeVariables=true"));
  CHECK(status.at("status") == "RUNNING");
  CHECK(status.at("correlationId") == "c1");
  CHECK(status.as_object().contains("variables"));
  CHECK_FALSE(status.as_object().contains("output"));

  SECTION("start errors") {
    check_error(api.post("/api/workflow/nothing", "{}"), 404);
    check_error(api.post("/api/workflow", R"({"name": "nothing", "input": {}})"), 404);
    check_error(api.post("/api/workflow", R"({"input": {}})"), 400, true);
    check_error(api.post("/api/workflow/flow?priority=100", "{}"), 400, true);
    check_error(api.post("/api/workflow/flow?version=x", "{}"), 400, true);
    check_error(api.post("/api/workflow/flow", "[1]"), 400, true);
    check_error(api.post("/api/workflow/flow"), 400);
    check_error(api.post("/api/workflow", R"({"name": "flow", "input": null})"), 400);
    check_error(api.get("/api/workflow/00000000-0000-0000-0000-000000000000"), 404);
    check_error(api.get("/api/workflow/00000000-0000-0000-0000-000000000000/status"), 404);
  }

  SECTION("the task list pages and filters by status") {
    const Json a = api.poll("task_a");
    REQUIRE(api.post("/api/tasks", task_result(a, "COMPLETED")).status == 200);
    const Json all = Api::json(api.get("/api/workflow/" + id + "/tasks"));
    CHECK(all.at("totalHits") == 2);
    CHECK(all.at("results").as_array().size() == 2);
    const Json page = Api::json(api.get("/api/workflow/" + id + "/tasks?start=1&count=1"));
    CHECK(page.at("totalHits") == 2);
    REQUIRE(page.at("results").as_array().size() == 1);
    CHECK(page.at("results").at(0).at("referenceTaskName") == "b");
    const Json completed = Api::json(api.get("/api/workflow/" + id + "/tasks?status=completed"));
    CHECK(completed.at("totalHits") == 1);
    CHECK(Api::json(api.get("/api/workflow/" + id + "/tasks?status=COMPLETED,SCHEDULED")).at("totalHits") == 2);
    check_error(api.get("/api/workflow/" + id + "/tasks?status=DONE"), 400, true);
  }

  SECTION("running ids and correlation queries") {
    const Json running = Api::json(api.get("/api/workflow/running/flow"));
    CHECK(running.as_array().size() == 2);
    const auto now = std::to_string(api.f.clock->now_ms());
    const Json window =
        Api::json(api.get("/api/workflow/running/flow?version=1&startTime=" + now + "&endTime=" + now));
    CHECK(window.as_array().size() == 2);
    CHECK(Api::json(api.get("/api/workflow/running/flow?version=2&startTime=" + now + "&endTime=" + now))
              .as_array()
              .empty());
    CHECK(Api::json(api.get("/api/workflow/running/nothing")).as_array().empty());

    const Json correlated = Api::json(api.get("/api/workflow/flow/correlated/c1"));
    REQUIRE(correlated.as_array().size() == 1);
    CHECK(str(correlated.at(0).at("workflowId")) == id);
    CHECK(correlated.at(0).at("tasks").as_array().empty());
    CHECK(Api::json(api.get("/api/workflow/flow/correlated/c1?includeTasks=true")).at(0).at("tasks").as_array().size() ==
          1);
    const Json batch = Api::json(api.post("/api/workflow/flow/correlated", R"(["c1", "c2"])"));
    CHECK(batch.at("c1").as_array().size() == 1);
    CHECK(batch.at("c2").as_array().empty());
    check_error(api.post("/api/workflow/flow/correlated", R"({"c": 1})"), 400, true);
  }
}

TEST_CASE("routes: the seed's correlated path answers as Conductor's, open meaning RUNNING only", "[http]") {
  Api api;
  api.two_tasks("flow");
  const std::string running = api.start("flow", "?correlationId=c1");
  const std::string paused = api.start("flow", "?correlationId=c1");
  const std::string terminated = api.start("flow", "?correlationId=c1");
  REQUIRE(api.put("/api/workflow/" + paused + "/pause").status == 200);
  REQUIRE(api.del("/api/workflow/" + terminated).status == 200);

  for (const char* query : {"", "?includeClosed=false", "?includeClosed=true", "?includeClosed=false&includeTasks=true",
                            "?includeClosed=true&includeTasks=true"}) {
    INFO(query);
    const Response current = api.get(std::string("/api/workflow/flow/correlated/c1") + query);
    const Response seed = api.get(std::string("/api/workflow/running/flow/correlated/c1") + query);
    CHECK(seed.status == 200);
    CHECK(seed.content_type == current.content_type);
    CHECK(seed.body == current.body);
  }
  const Json open = Api::json(api.get("/api/workflow/running/flow/correlated/c1?includeClosed=false&includeTasks=true"));
  REQUIRE(open.as_array().size() == 1);
  CHECK(str(open.at(0).at("workflowId")) == running);
  CHECK(open.at(0).at("tasks").as_array().size() == 1);
  CHECK(Api::json(api.get("/api/workflow/running/flow/correlated/c1?includeClosed=true")).as_array().size() == 3);
  CHECK(Api::json(api.get("/api/workflow/running/flow/correlated/none")).as_array().empty());

  // A workflow named `running` keeps Conductor's path: five segments cannot reach the six-segment route.
  api.two_tasks("running");
  const std::string named_running = api.start("running", "?correlationId=c1");
  const Json by_name = Api::json(api.get("/api/workflow/running/correlated/c1"));
  REQUIRE(by_name.as_array().size() == 1);
  CHECK(str(by_name.at(0).at("workflowId")) == named_running);
}

TEST_CASE("routes: a worker polls, updates and logs through the task routes", "[http]") {
  Api api;
  api.two_tasks("flow");
  const std::string id = api.start("flow");

  const Response empty_poll = api.get("/api/tasks/poll/task_b?workerid=w1");
  CHECK(empty_poll.status == 204);
  CHECK(empty_poll.body.empty());
  const Response empty_batch = api.get("/api/tasks/poll/batch/task_b?timeout=0");
  CHECK(empty_batch.status == 200);
  CHECK(Api::json(empty_batch).as_array().empty());
  check_error(api.get("/api/tasks/poll/batch/task_b?timeout=5001"), 400);

  const Response polled = api.get("/api/tasks/poll/task_a?workerid=w1");
  REQUIRE(polled.status == 200);
  const Json a = Api::json(polled);
  CHECK(a.at("status") == "IN_PROGRESS");
  CHECK(a.at("workerId") == "w1");
  const std::string task_id = str(a.at("taskId"));

  CHECK(api.post("/api/tasks/" + task_id + "/log", "step one").status == 200);
  const Json logs = Api::json(api.get("/api/tasks/" + task_id + "/log"));
  REQUIRE(logs.as_array().size() == 1);
  CHECK(logs.at(0).at("log") == "step one");
  CHECK(api.get("/api/tasks/" + task_id + "/log").status == 200);

  SECTION("update answers the task id as text, then the next task is scheduled") {
    const Response updated = api.post("/api/tasks", task_result(a, "COMPLETED", R"({"r": 1})"));
    CHECK(updated.status == 200);
    CHECK(updated.content_type == kTextContentType);
    CHECK(updated.body == task_id);
    CHECK(Api::json(api.get("/api/tasks/" + task_id)).at("outputData").at("r") == 1);
    const Json wf = Api::json(api.get("/api/workflow/" + id));
    CHECK(wf.at("tasks").at(1).at("status") == "SCHEDULED");
  }

  SECTION("update-v2 hands out the next task of the type, or 204") {
    const std::string second = api.start("flow");
    const Response next = api.post("/api/tasks/update-v2", task_result(a, "COMPLETED"));
    REQUIRE(next.status == 200);
    const Json next_task = Api::json(next);
    CHECK(str(next_task.at("workflowInstanceId")) == second);
    CHECK(next_task.at("status") == "IN_PROGRESS");
    CHECK(api.post("/api/tasks/update-v2", task_result(next_task, "IN_PROGRESS")).status == 204);
    CHECK(api.post("/api/tasks/update-v2", task_result(api.poll("task_a"), "COMPLETED")).status == 204);
  }

  SECTION("update by reference name merges the output; nothing pending is an empty 200, or 404 when sync") {
    const Response by_ref = api.post("/api/tasks/" + id + "/a/COMPLETED?workerid=w2", R"({"x": 1})");
    CHECK(by_ref.status == 200);
    CHECK(by_ref.content_type == kTextContentType);
    CHECK(by_ref.body == task_id);
    const Json done = Api::json(api.get("/api/tasks/" + task_id));
    CHECK(done.at("workerId") == "w2");
    CHECK(done.at("outputData").at("x") == 1);

    const Response nothing = api.post("/api/tasks/" + id + "/a/COMPLETED", "{}");
    CHECK(nothing.status == 200);
    CHECK(nothing.body.empty());
    CHECK(api.post("/api/tasks/00000000-0000-0000-0000-000000000000/a/COMPLETED", "{}").status == 200);

    const Json wf = Api::json(api.post("/api/tasks/" + id + "/b/COMPLETED/sync", R"({"y": 2})"));
    CHECK(wf.at("status") == "COMPLETED");
    CHECK(wf.at("tasks").at(1).at("outputData").at("y") == 2);
    check_error(api.post("/api/tasks/" + id + "/b/COMPLETED/sync", "{}"), 404);
    check_error(api.post("/api/tasks/" + id + "/b/DONE", "{}"), 400, true);
    check_error(api.post("/api/tasks/" + id + "/b/COMPLETED", "[]"), 400, true);
  }

  SECTION("update errors") {
    check_error(api.post("/api/tasks", R"({"taskId": "", "workflowInstanceId": "", "status": "COMPLETED"})"), 400,
                true);
    check_error(api.post("/api/tasks", R"({"taskId": ")" + task_id + R"(", "workflowInstanceId": ")" + id + R"("})"),
                400, true);
    check_error(api.post("/api/tasks", R"({"taskId": ")" + task_id + R"(", "workflowInstanceId": ")" + id +
                                           R"(", "status": "FINISHED"})"),
                400, true);
    check_error(api.post("/api/tasks", R"({"taskId": "nope", "workflowInstanceId": ")" + id +
                                           R"(", "status": "COMPLETED"})"),
                404);
    check_error(api.get("/api/tasks/nope"), 404);
  }
}

TEST_CASE("routes: a task without logs answers 204", "[http]") {
  Api api;
  api.two_tasks("flow");
  api.start("flow");
  const Response logs = api.get("/api/tasks/" + str(api.poll("task_a").at("taskId")) + "/log");
  CHECK(logs.status == 204);
  CHECK(logs.body.empty());
}

TEST_CASE("routes: queue sizes, poll data and requeue", "[http]") {
  Api api;
  api.two_tasks("flow");
  api.start("flow");
  api.start("flow");

  CHECK(Api::json(api.get("/api/tasks/queue/size?taskType=task_a")) == 2);
  CHECK(Api::json(api.get("/api/tasks/queue/size?taskType=task_a&domain=d1")) == 0);
  CHECK(Api::json(api.get("/api/tasks/queue/size?taskType=task_a&isolationGroupId=g")) == 0);
  CHECK(Api::json(api.get("/api/tasks/queue/sizes?taskType=task_a&taskType=task_b")) ==
        boost::json::parse(R"({"task_a": 2, "task_b": 0})"));
  check_error(api.get("/api/tasks/queue/size"), 400, true);
  check_error(api.get("/api/tasks/queue/sizes"), 400, true);

  api.poll("task_a");
  CHECK(Api::json(api.get("/api/tasks/queue/all")).at("task_a") == 1);
  CHECK(Api::json(api.get("/api/tasks/queue/all/verbose")).at("task_a").at("a").at("size") == 1);

  const Json poll_data = Api::json(api.get("/api/tasks/queue/polldata?taskType=task_a"));
  REQUIRE(poll_data.as_array().size() == 1);
  CHECK(poll_data.at(0).at("workerId") == "w1");
  CHECK(poll_data.at(0).at("queueName") == "task_a");
  CHECK(Api::json(api.get("/api/tasks/queue/polldata/all")).as_array().size() == 1);
  check_error(api.get("/api/tasks/queue/polldata"), 400, true);

  const Response requeued = api.post("/api/tasks/queue/requeue/task_a");
  CHECK(requeued.status == 200);
  CHECK(requeued.content_type == kTextContentType);
  CHECK(requeued.body == "2");  // every pending task of the type, the polled one included
}

TEST_CASE("routes: pause, resume, decide, terminate and remove", "[http]") {
  Api api;
  api.two_tasks("flow");
  const std::string id = api.start("flow");

  CHECK(api.put("/api/workflow/" + id + "/pause").status == 200);
  CHECK(Api::json(api.get("/api/workflow/" + id)).at("status") == "PAUSED");
  CHECK(api.put("/api/workflow/decide/" + id).status == 200);
  CHECK(api.put("/api/workflow/" + id + "/resume").status == 200);
  CHECK(Api::json(api.get("/api/workflow/" + id)).at("status") == "RUNNING");

  const Response terminated = api.del("/api/workflow/" + id + "?reason=enough");
  CHECK(terminated.status == 200);
  CHECK(terminated.body.empty());
  const Json wf = Api::json(api.get("/api/workflow/" + id));
  CHECK(wf.at("status") == "TERMINATED");
  CHECK(wf.at("reasonForIncompletion") == "enough");
  check_error(api.put("/api/workflow/" + id + "/pause"), 409);

  CHECK(api.del("/api/workflow/" + id + "/remove").status == 200);
  check_error(api.get("/api/workflow/" + id), 404);
  check_error(api.del("/api/workflow/" + id), 404);
  check_error(api.put("/api/workflow/decide/" + id), 404);

  SECTION("a completed workflow cannot be terminated") {
    const std::string done = api.start("flow");
    api.post("/api/tasks", task_result(api.poll("task_a"), "COMPLETED"));
    api.post("/api/tasks", task_result(api.poll("task_b"), "COMPLETED"));
    CHECK(Api::json(api.get("/api/workflow/" + done)).at("status") == "COMPLETED");
    check_error(api.del("/api/workflow/" + done), 409);
  }
}

TEST_CASE("routes: restart, retry, rerun, skip task and reset callbacks", "[http]") {
  Api api;
  REQUIRE(api.post("/api/metadata/taskdefs", R"([{"name": "task_a", "retryCount": 0}])").status == 200);
  api.two_tasks("flow");
  const std::string id = api.start("flow");

  check_error(api.post("/api/workflow/" + id + "/retry"), 404);  // still running: Conductor's 404
  check_error(api.post("/api/workflow/" + id + "/restart"), 409);
  check_error(api.post("/api/workflow/" + id + "/rerun", "{}"), 409);
  const Response reset = api.post("/api/workflow/" + id + "/resetcallbacks");
  CHECK(reset.status == 204);
  CHECK(reset.body.empty());
  check_error(api.del("/api/workflow/" + id + "/remove"), 400);  // archiving needs an ended workflow

  api.post("/api/tasks", task_result(api.poll("task_a"), "FAILED"));
  CHECK(Api::json(api.get("/api/workflow/" + id)).at("status") == "FAILED");
  check_error(api.post("/api/workflow/" + id + "/resetcallbacks"), 409);

  const Response retried = api.post("/api/workflow/" + id + "/retry?resumeSubworkflowTasks=false");
  CHECK(retried.status == 204);
  CHECK(Api::json(api.get("/api/workflow/" + id)).at("status") == "RUNNING");
  api.post("/api/tasks", task_result(api.poll("task_a"), "FAILED"));

  const Response restarted = api.post("/api/workflow/" + id + "/restart?useLatestDefinitions=true");
  CHECK(restarted.status == 204);
  Json wf = Api::json(api.get("/api/workflow/" + id));
  CHECK(wf.at("status") == "RUNNING");
  CHECK(wf.at("tasks").as_array().size() == 1);

  // Skipping `b` before it is scheduled lets the workflow pass over it.
  CHECK(api.put("/api/workflow/" + id + "/skiptask/b", R"({"taskOutput": {"skipped": true}})").status == 200);
  check_error(api.put("/api/workflow/" + id + "/skiptask/b"), 409);  // a task for it exists already
  api.post("/api/tasks", task_result(api.poll("task_a"), "COMPLETED"));
  wf = Api::json(api.get("/api/workflow/" + id));
  CHECK(wf.at("status") == "COMPLETED");
  // As in Conductor, the skipped task is created outside scheduling, with seq 0, so it is listed first.
  CHECK(wf.at("tasks").at(0).at("referenceTaskName") == "b");
  CHECK(wf.at("tasks").at(0).at("status") == "SKIPPED");
  CHECK(wf.at("tasks").at(0).at("outputData").at("skipped") == true);
  check_error(api.del("/api/workflow/" + id + "/terminate-remove"), 409);

  const Response rerun = api.post("/api/workflow/" + id + "/rerun", R"({"workflowInput": {"again": true}})");
  CHECK(rerun.status == 200);
  CHECK(rerun.content_type == kTextContentType);
  CHECK(rerun.body == id);
  wf = Api::json(api.get("/api/workflow/" + id));
  CHECK(wf.at("status") == "RUNNING");
  CHECK(wf.at("input").at("again") == true);

  const Response removed = api.del("/api/workflow/" + id + "/terminate-remove?reason=done");
  CHECK(removed.status == 200);
  CHECK(removed.body.empty());
  check_error(api.get("/api/workflow/" + id), 404);
}

TEST_CASE("routes: bulk operations answer a BulkResponse per id (api.md 1.8)", "[http]") {
  Api api;
  api.two_tasks("flow");
  const std::string a = api.start("flow");
  const std::string b = api.start("flow");
  const std::string ids = R"([")" + a + R"(", ")" + b + R"(", "missing"])";

  // The literal `bulk` wins over `{workflowId}`.
  const Json paused = Api::json(api.put("/api/workflow/bulk/pause", ids));
  CHECK(paused.at("bulkSuccessfulResults").as_array().size() == 2);
  CHECK(paused.at("bulkErrorResults").as_object().contains("missing"));
  CHECK(Api::json(api.get("/api/workflow/" + a)).at("status") == "PAUSED");
  CHECK(Api::json(api.put("/api/workflow/bulk/resume", ids)).at("bulkSuccessfulResults").as_array().size() == 2);
  const Json retried = Api::json(api.post("/api/workflow/bulk/retry", ids));
  CHECK(retried.at("bulkErrorResults").as_object().size() == 3);  // none has ended
  CHECK(Api::json(api.post("/api/workflow/bulk/terminate?reason=bulk", ids)).at("bulkSuccessfulResults").as_array().size() ==
        2);
  CHECK(Api::json(api.get("/api/workflow/" + b)).at("reasonForIncompletion") == "bulk");
  CHECK(Api::json(api.post("/api/workflow/bulk/restart", ids)).at("bulkSuccessfulResults").as_array().size() == 2);
  CHECK(Api::json(api.call(Method::kDelete, "/api/workflow/bulk/terminate-remove?archiveWorkflow=false", ids))
            .at("bulkSuccessfulResults")
            .as_array()
            .size() == 4);
  check_error(api.get("/api/workflow/" + a), 404);
  CHECK(Api::json(api.call(Method::kDelete, "/api/workflow/bulk/remove", ids)).at("bulkErrorResults").as_object().size() ==
        3);

  check_error(api.put("/api/workflow/bulk/pause", "[]"), 400, true);
  check_error(api.put("/api/workflow/bulk/pause", R"([1])"), 400, true);
  check_error(api.put("/api/workflow/bulk/pause"), 400);
}

TEST_CASE("routes: workflow and task search with Conductor's parameters", "[http]") {
  Api api;
  api.two_tasks("flow");
  api.two_tasks("other");
  const std::string first = api.start("flow", "?correlationId=alpha");
  api.start("flow");
  api.start("other");
  // A worker task enters the task index when it is first written after scheduling (Conductor's
  // indexing on update): at its poll.
  for (int i = 0; i < 3; ++i) api.poll("task_a");

  const Json all = Api::json(api.get("/api/workflow/search"));
  CHECK(all.at("totalHits") == 3);
  const Json flows = Api::json(api.get("/api/workflow/search?query=workflowType%3D%27flow%27&size=1&freeText="));
  CHECK(flows.at("totalHits") == 2);
  CHECK(flows.at("results").as_array().size() == 1);
  CHECK(flows.at("results").at(0).at("input").is_string());

  const Json sorted = Api::json(api.get("/api/workflow/search?sort=workflowType:DESC%7CworkflowId:ASC"));
  CHECK(sorted.at("results").at(0).at("workflowType") == "other");

  const Json full = Api::json(api.get("/api/workflow/search-v2?query=correlationId%3Dalpha"));
  CHECK(full.at("totalHits") == 1);
  CHECK(str(full.at("results").at(0).at("workflowId")) == first);
  CHECK(full.at("results").at(0).at("createTime").is_int64());

  CHECK(Api::json(api.get("/api/workflow/search?topLevelOnly=true&classifier=workflow")).at("totalHits") == 3);
  CHECK(Api::json(api.get("/api/workflow/search?classifier=agent")).at("totalHits") == 0);

  const Json by_tasks = Api::json(api.get("/api/workflow/search-by-tasks?query=taskDefName%3Dtask_a"));
  CHECK(by_tasks.at("totalHits") == 3);
  CHECK(by_tasks.at("results").at(0).at("workflowType").is_string());
  CHECK(Api::json(api.get("/api/workflow/search-by-tasks-v2?query=taskDefName%3Dtask_a"))
            .at("results")
            .at(0)
            .at("workflowName")
            .is_string());

  const Json tasks = Api::json(api.get("/api/tasks/search?query=taskType%3Dtask_a&size=2"));
  CHECK(tasks.at("totalHits") == 3);
  CHECK(tasks.at("results").as_array().size() == 2);
  const Json full_tasks = Api::json(api.get("/api/tasks/search-v2?query=taskType%3Dtask_a"));
  CHECK(full_tasks.at("results").at(0).at("status") == "IN_PROGRESS");

  check_error(api.get("/api/workflow/search?size=5001"), 400, true);
  check_error(api.get("/api/tasks/search?size=5001"), 400, true);
  check_error(api.get("/api/workflow/search?query=workflowType%20%3F%3F%20x"), 400, true);
  check_error(api.get("/api/workflow/search?start=first"), 400, true);
}

TEST_CASE("routes: search answers the seed page's free text and sort forms", "[http]") {
  Api api;
  api.two_tasks("name_of_workflow");
  api.two_tasks("other");
  const std::string done = api.start("name_of_workflow", "?correlationId=order-991", R"({"customer": "Ada Lovelace"})");
  api.f.clock->advance_ms(1000);
  const std::string running = api.start("name_of_workflow");
  api.f.clock->advance_ms(1000);
  const std::string other = api.start("other");
  const Json a = api.poll("task_a");
  REQUIRE(str(a.at("workflowInstanceId")) == done);
  REQUIRE(api.post("/api/tasks", task_result(a, "COMPLETED", R"({"note": "parcel shipped"})")).status == 200);
  REQUIRE(api.post("/api/tasks", task_result(api.poll("task_b"), "COMPLETED")).status == 200);
  REQUIRE(Api::json(api.get("/api/workflow/" + done)).at("status") == "COMPLETED");

  auto ids = [](const Json& result) {
    std::vector<std::string> found;
    for (const Json& hit : result.at("results").as_array()) found.push_back(str(hit.at("workflowId")));
    return found;
  };
  using Ids = std::vector<std::string>;

  const Json by_type = Api::json(api.get("/api/workflow/search?freeText=workflowType:%22name_of_workflow%22"));
  CHECK(by_type.at("totalHits") == 2);
  const Json completed = Api::json(api.get("/api/workflow/search?freeText=status:COMPLETED"));
  CHECK(completed.at("totalHits") == 1);
  CHECK(ids(completed) == Ids{done});
  CHECK(ids(Api::json(api.get("/api/workflow/search?sort=DESC:startTime"))) == Ids{other, running, done});
  CHECK(ids(Api::json(api.get("/api/workflow/search?sort=startTime:DESC"))) == Ids{other, running, done});
  CHECK(ids(Api::json(api.get("/api/workflow/search?sort=ASC:workflowType%7CDESC:startTime"))) ==
        Ids{running, done, other});
  CHECK(ids(Api::json(api.get("/api/workflow/search?sort=ASC:workflowType&sort=DESC:startTime"))) ==
        Ids{running, done, other});

  CHECK(ids(Api::json(api.get("/api/workflow/search?freeText=lovelace+OR+shipped"))) == Ids{done});
  CHECK(ids(Api::json(api.get("/api/workflow/search?freeText=order-991"))) == Ids{done});
  CHECK(ids(Api::json(api.get("/api/workflow/search?freeText=NOT+status:COMPLETED&sort=DESC:startTime"))) ==
        Ids{other, running});
  CHECK(ids(Api::json(api.get("/api/workflow/search?freeText=workflowType:name*&query=status%3DRUNNING"))) ==
        Ids{running});
  CHECK(ids(Api::json(api.get("/api/workflow/search-v2?freeText=correlationId:order-991"))) == Ids{done});
  CHECK(ids(Api::json(api.get("/api/workflow/search-by-tasks?freeText=taskDefName:task_b"))) == Ids{done});
  CHECK(ids(Api::json(api.get("/api/workflow/search-by-tasks-v2?freeText=shipped"))) == Ids{done});

  const Json tasks = Api::json(api.get("/api/tasks/search?freeText=status:COMPLETED&sort=DESC:updateTime"));
  CHECK(tasks.at("totalHits") == 2);
  CHECK(Api::json(api.get("/api/tasks/search?freeText=taskType:task_a+AND+shipped")).at("totalHits") == 1);
  CHECK(Api::json(api.get("/api/tasks/search-v2?freeText=workflowId:" + done)).at("totalHits") == 2);

  check_error(api.get("/api/workflow/search?freeText=status:"), 400, true);
  check_error(api.get("/api/workflow/search?freeText=colour:red"), 400, true);
  check_error(api.get("/api/workflow/search?freeText=a*b"), 400, true);
  check_error(api.get("/api/tasks/search?freeText=(taskType:task_a"), 400, true);
}

TEST_CASE("routes: literal segments beat variables (api.md 1.20)", "[http]") {
  Api api;
  // Definitions whose names equal literal segments: the literal routes still win.
  for (const char* name : {"names", "latest-versions", "search"}) api.two_tasks(name);
  const std::string id = api.start("search");

  CHECK(Api::json(api.get("/api/metadata/workflow/names")).as_array().size() == 3);
  CHECK(Api::json(api.get("/api/metadata/workflow/latest-versions")).as_array().size() == 3);
  CHECK(Api::json(api.get("/api/metadata/workflow/names-and-versions")).is_object());
  CHECK(Api::json(api.get("/api/workflow/search")).as_object().contains("totalHits"));
  CHECK(Api::json(api.get("/api/workflow/search-v2")).as_object().contains("totalHits"));
  CHECK(Api::json(api.get("/api/tasks/search")).as_object().contains("totalHits"));
  CHECK(Api::json(api.get("/api/tasks/search-v2")).as_object().contains("totalHits"));

  // A task type named like a path variable's neighbour is still requeued, not updated by reference.
  const Response requeue = api.post("/api/tasks/queue/requeue/task_a");
  CHECK(requeue.content_type == kTextContentType);
  CHECK(requeue.body == "1");
  // `decide` is a literal before the id; `pause` after it.
  check_error(api.put("/api/workflow/decide/pause"), 404);
  CHECK(api.put("/api/workflow/" + id + "/pause").status == 200);

  // Ids still reach the variable routes.
  CHECK(Api::json(api.get("/api/workflow/" + id)).at("workflowName") == "search");
  check_error(api.get("/api/tasks/queue"), 404);
  check_error(api.get("/api/metadata/taskdefs/"), 404);
  const Response wrong_method = api.call(Method::kPatch, "/api/workflow/" + id);
  CHECK(wrong_method.status == 405);
}

TEST_CASE("routes: the version is plain text", "[http]") {
  Api api;
  const Response version = api.get("/api/version");
  CHECK(version.status == 200);
  CHECK(version.content_type == kTextContentType);
  CHECK(version.body == CONDUCTOR_VERSION_STRING);
}

TEST_CASE("routes: a long poll that finds nothing waits parked until a push wakes it", "[http]") {
  Api api;
  api.two_tasks("flow");
  const Response parked = api.router.dispatch(Request(Method::kGet, "/api/tasks/poll/batch/task_a?timeout=5000&count=2"));
  REQUIRE(parked.pending);
  CHECK(parked.pending->deadline() > std::chrono::steady_clock::now());
  std::atomic<int> wakes{0};
  const auto wake = [&] { ++wakes; };
  CHECK_FALSE(parked.pending->attempt(wake, false));
  CHECK(wakes == 0);

  const std::string id = api.start("flow");  // pushes task_a: the armed wake fires once
  CHECK(wakes == 1);
  const auto answer = parked.pending->attempt(wake, false);
  REQUIRE(answer);
  const Json tasks = Api::json(*answer);
  REQUIRE(tasks.as_array().size() == 1);
  CHECK(str(tasks.at(0).at("workflowInstanceId")) == id);

  SECTION("the last attempt answers an empty list") {
    const Response again = api.router.dispatch(Request(Method::kGet, "/api/tasks/poll/batch/task_a?timeout=1000"));
    REQUIRE(again.pending);
    CHECK_FALSE(again.pending->attempt(wake, false));
    const auto last = again.pending->attempt(wake, true);
    REQUIRE(last);
    CHECK(Api::json(*last).as_array().empty());
    api.start("flow");
    CHECK(wakes == 1);  // the last attempt withdrew its wake
  }
  SECTION("the single poll waits the same way and answers 204") {
    const Response single = api.router.dispatch(Request(Method::kGet, "/api/tasks/poll/task_a"));
    REQUIRE(single.pending);
    CHECK(single.pending->attempt(wake, true)->status == 204);
  }
  SECTION("arguments are checked before anything waits") {
    check_error(api.get("/api/tasks/poll/batch/task_a?timeout=5001"), 400);
    check_error(api.get("/api/tasks/poll/batch/task_a?timeout=10&count=0"), 400);
    CHECK_FALSE(api.router.dispatch(Request(Method::kGet, "/api/tasks/poll/batch/task_a?timeout=0")).pending);
  }
}

TEST_CASE("routes: a long poll that finds a task at once registers no wake-up and reads nothing more", "[http]") {
  const testing::CountingStorage* storage = nullptr;
  Api api([&](EngineOptions& options) {
    auto counting = std::make_unique<testing::CountingStorage>(std::move(options.storage));
    storage = counting.get();
    options.storage = std::move(counting);
  });
  api.two_tasks("flow");
  const std::string id = api.start("flow");
  const long reads = storage->reads();
  const Response parked = api.router.dispatch(Request(Method::kGet, "/api/tasks/poll/batch/task_a?timeout=5000"));
  REQUIRE(parked.pending);
  const auto answer = parked.pending->attempt([] {}, false);
  REQUIRE(answer);
  CHECK(str(Api::json(*answer).at(0).at("workflowInstanceId")) == id);
  // A waiter would have read when the queue's next delayed message is due.
  CHECK(storage->reads() == reads);
}

TEST_CASE("routes: bytes from a request that are not UTF-8 are stored as U+FFFD", "[http]") {
  Api api;
  api.two_tasks("flow");
  const std::string id = api.start("flow");
  // Query values and log bodies end up in stored JSON rows: raw, they would make the task and its
  // workflow unreadable.
  const Response polled = api.get("/api/tasks/poll/task_a?workerid=w%FF%FFone");
  REQUIRE(polled.status == 200);
  CHECK(Api::json(polled).at("workerId") == "w\xEF\xBF\xBD\xEF\xBF\xBDone");
  const std::string task_id = str(Api::json(polled).at("taskId"));
  CHECK(api.post("/api/tasks/" + task_id + "/log", "half \xC3 a letter").status == 200);
  CHECK(Api::json(api.get("/api/tasks/" + task_id + "/log")).at(0).at("log") == "half \xEF\xBF\xBD a letter");
  const Json workflow = Api::json(api.get("/api/workflow/" + id));
  CHECK(workflow.at("tasks").at(0).at("workerId") == "w\xEF\xBF\xBD\xEF\xBF\xBDone");
}

TEST_CASE("routes: a 404 quoting an id of any bytes is valid JSON and quotes it whole", "[http]") {
  Api api;
  SECTION("invalid UTF-8 is replaced") {
    const Response response = api.get("/api/tasks/ab%FF%C3%28cd%ED%A0%80");
    CHECK(response.status == 404);
    const std::string message(Api::json(response).at("message").as_string());
    CHECK(message.ends_with("ab\xEF\xBF\xBD\xEF\xBF\xBD(cd\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"));
  }
  SECTION("valid UTF-8 is kept") {
    const Json body = Api::json(api.get("/api/workflow/%C3%A9t%C3%A9%F0%9F%98%80"));
    CHECK(std::string(body.at("message").as_string()).ends_with("\xC3\xA9t\xC3\xA9\xF0\x9F\x98\x80"));
  }
  SECTION("a NUL byte is escaped, not an end") {
    const Response response = api.get("/api/tasks/before%00after");
    CHECK(response.status == 404);
    CHECK(response.body.find("before\\u0000after") != std::string::npos);
    const std::string message(Api::json(response).at("message").as_string());
    CHECK(message.ends_with(std::string("before\0after", 12)));
  }
  SECTION("a violation quoting a value is valid JSON too") {
    const Response response = api.post("/api/tasks/wf/ref/%FF%00", "{}");
    CHECK(response.status == 400);
    const Json body = Api::json(response);
    CHECK(std::string(body.at("validationErrors").at(0).at("invalidValue").as_string()) ==
          std::string("\xEF\xBF\xBD\0", 4));
  }
}

TEST_CASE("routes: event handlers are added as an object or a list of one, listed, updated and removed", "[http]") {
  Api api;
  const std::string handler = R"({"name": "h1", "event": "conductor:wf:notify", "active": false,
    "actions": [{"action": "complete_task", "complete_task": {"workflowId": "${workflowInstanceId}", "taskRefName": "x"}}]})";
  CHECK(api.post("/api/event", handler).status == 200);
  CHECK(api.post("/api/event", "[" + std::string(R"({"name": "h2", "event": "conductor:wf:notify", "active": true,
    "actions": [{"action": "start_workflow", "start_workflow": {"name": "wf"}}]})") + "]").status == 200);
  check_error(api.post("/api/event", handler), 409);

  CHECK(Api::json(api.get("/api/event")).as_array().size() == 2);
  const Json active = Api::json(api.get("/api/event/conductor%3Awf%3Anotify"));
  REQUIRE(active.as_array().size() == 1);
  CHECK(active.at(0).at("name") == "h2");
  CHECK(Api::json(api.get("/api/event/conductor:wf:notify?activeOnly=false")).as_array().size() == 2);
  CHECK(Api::json(api.get("/api/event/conductor:wf:other")).as_array().empty());

  std::string activated = handler;
  activated.replace(activated.find("false"), 5, "true");
  CHECK(api.put("/api/event", activated).status == 200);
  CHECK(Api::json(api.get("/api/event/conductor:wf:notify")).as_array().size() == 2);
  check_error(api.put("/api/event", R"({"name": "never", "event": "e", "actions": [{"action": "complete_task"}]})"),
              404);

  CHECK(api.del("/api/event/h1").status == 200);
  check_error(api.del("/api/event/h1"), 404);

  SECTION("bad handlers are a 400") {
    check_error(api.post("/api/event", R"({"name": "h3", "event": "e", "actions": []})"), 400, true);
    check_error(api.post("/api/event", "[]"), 400);
    check_error(api.post("/api/event", "[" + handler + "," + handler + "]"), 400);
    check_error(api.post("/api/event", "{"), 400);
  }
}
