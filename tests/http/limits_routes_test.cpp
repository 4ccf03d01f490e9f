#include "api_fixture.hpp"

namespace {

// Small bounds, so that a test request reaches each of them.
Api limited() {
  return Api([](EngineOptions& options) {
    options.limits.max_workflow_def_kb = 2;
    options.limits.max_fork_branches = 1;
    options.limits.max_search_page_size = 10;
    options.limits.max_task_log_kb = 1;
    options.payload_limits.workflow_input_max_kb = 1;
  });
}

std::string big_definition() {
  return R"({"name": "big", "description": ")" + std::string(2100, 'd') +
         R"(", "tasks": [{"name": "task_a", "taskReferenceName": "a"}]})";
}

// A 413 with Conductor's error body naming the bound.
void check_too_large(const Response& response, std::string_view limit_text) {
  INFO(response.body);
  CHECK(response.status == 413);
  const Json body = Api::json(response);
  CHECK(body.at("status") == 413);
  CHECK(body.at("retryable") == false);
  CHECK(std::string(body.at("message").as_string()).find(limit_text) != std::string::npos);
}

}  // namespace

TEST_CASE("limits over HTTP: a workflow definition over the size bound is answered 413", "[http][limits]") {
  Api api = limited();
  check_too_large(api.post("/api/metadata/workflow", big_definition()), "more than the limit of 2048 bytes");
  check_too_large(api.put("/api/metadata/workflow", "[" + big_definition() + "]"), "more than the limit of 2048 bytes");
  check_too_large(api.post("/api/metadata/workflow/validate", big_definition()), "more than the limit of 2048 bytes");
  check_too_large(api.post("/api/workflow", R"({"name": "big", "workflowDef": )" + big_definition() + "}"),
                  "more than the limit of 2048 bytes");
  CHECK(api.get("/api/metadata/workflow/big").status == 404);
}

TEST_CASE("limits over HTTP: a static fork past the branches bound is answered 400", "[http][limits]") {
  Api api = limited();
  const Response response = api.post("/api/metadata/workflow", R"({"name": "forked", "tasks": [
      {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN",
       "forkTasks": [[{"name": "task_a", "taskReferenceName": "a"}], [{"name": "task_b", "taskReferenceName": "b"}]]},
      {"name": "join", "taskReferenceName": "join", "type": "JOIN"}]})");
  CHECK(response.status == 400);
  const Json body = Api::json(response);
  const Json& violation = body.at("validationErrors").at(0);
  CHECK(violation.at("path") == "registerWorkflowDef.workflowDef.tasks[0].forkTasks");
  CHECK(violation.at("message") == "FORK_JOIN task fork has 2 branches, more than the limit of 1 fork branches");
}

TEST_CASE("limits over HTTP: a search page past the bound is answered 400", "[http][limits]") {
  Api api = limited();
  CHECK(api.get("/api/workflow/search?size=10").status == 200);
  for (const char* target : {"/api/workflow/search?size=11", "/api/workflow/search-v2?size=11",
                             "/api/tasks/search?size=11", "/api/tasks/search-v2?size=11"}) {
    INFO(target);
    const Response response = api.get(target);
    CHECK(response.status == 400);
    CHECK(Api::json(response).at("validationErrors").at(0).at("path") == "size");
  }
}

TEST_CASE("limits over HTTP: a long log message and a large input are answered 413", "[http][limits]") {
  Api api = limited();
  api.two_tasks("flow");
  api.start("flow");
  const std::string task_id(api.poll("task_a").at("taskId").as_string());
  CHECK(api.post("/api/tasks/" + task_id + "/log", std::string(1024, 'l')).status == 200);
  check_too_large(api.post("/api/tasks/" + task_id + "/log", std::string(1025, 'l')),
                  "The log message is 1025 bytes, more than the limit of 1024 bytes");
  check_too_large(api.post("/api/workflow/flow", R"({"blob": ")" + std::string(2000, 'p') + R"("})"),
                  "greater than the permissible limit: 1024 bytes");
}
