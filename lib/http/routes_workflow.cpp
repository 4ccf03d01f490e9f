#include "http/route_support.hpp"
#include "http/routes.hpp"

#include <conductor/codec.hpp>
#include <conductor/engine.hpp>
#include <conductor/error.hpp>

#include <boost/json/value_from.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

/// `/api/workflow`: starting, reading, operating and searching workflows (api.md 1.3-1.6), over
/// WorkflowExecutor.
namespace conductor::http {
namespace {

Response start_workflow(Engine& engine, const Request& request) {
  return Response::text(engine.executor().start_workflow(body_as<StartWorkflowRequest>(request)));
}

Response start_workflow_by_name(Engine& engine, const Request& request) {
  StartWorkflowRequest start;
  start.name = request.path_param("name");
  start.version = request.query_int("version");
  start.correlation_id = request.query("correlationId");
  start.priority = request.query_int("priority", 0);
  start.input = body_object(request);
  return Response::text(engine.executor().start_workflow(start));
}

Response get_workflow(Engine& engine, const Request& request) {
  return Response::json(
      to_json(engine.executor().get_workflow(request.path_param("workflowId"), request.query_bool("includeTasks", true))));
}

/// Conductor's WorkflowStatus view: id, correlation id and status, output and variables on request.
Response workflow_status(Engine& engine, const Request& request) {
  const Workflow wf = engine.executor().get_workflow(request.path_param("workflowId"), false);
  JsonObject status;
  status["workflowId"] = wf.workflow_id;
  if (wf.correlation_id) status["correlationId"] = *wf.correlation_id;
  if (request.query_bool("includeOutput", false)) status["output"] = wf.output;
  if (request.query_bool("includeVariables", false)) status["variables"] = wf.variables;
  status["status"] = to_string(wf.status);
  return Response::json(status);
}

/// `status` values, repeated or comma-separated, in any case.
std::vector<TaskStatus> task_statuses(const Request& request) {
  std::vector<TaskStatus> statuses;
  for (const std::string& values : request.query_all("status")) {
    std::string_view rest = values;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      std::string name(rest.substr(0, comma));
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
      if (!name.empty()) {
        const auto status = parse_task_status(name);
        if (!status) {
          throw ValidationError("Invalid value '" + name + "' for query parameter 'status': must be a task status",
                                {FieldViolation{"status", "must be a task status", name}});
        }
        statuses.push_back(*status);
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return statuses;
}

Response workflow_tasks(Engine& engine, const Request& request) {
  return Response::json(to_json(engine.executor().workflow_tasks(
      request.path_param("workflowId"), request.query_int("start", 0), request.query_int("count", 15),
      task_statuses(request))));
}

/// Ids of the pending workflows of any version; with both `startTime` and `endTime` (non-zero), ids of
/// those of `version` (default 1, as Conductor) created in that window.
Response running_workflows(Engine& engine, const Request& request) {
  const std::string& name = request.path_param("name");
  const int version = request.query_int("version", 1);
  const std::int64_t start_time = request.query_long("startTime", 0);
  const std::int64_t end_time = request.query_long("endTime", 0);
  const auto ids = start_time != 0 && end_time != 0
                       ? engine.executor().workflow_ids_created_between(name, version, start_time, end_time)
                       : engine.executor().running_workflow_ids(name);
  return Response::json(boost::json::value_from(ids));
}

Json correlated(Engine& engine, const Request& request, std::string_view correlation_id) {
  return to_json_array(engine.executor().workflows_by_correlation_id(
      request.path_param("name"), correlation_id, request.query_bool("includeClosed", false),
      request.query_bool("includeTasks", false)));
}

Response correlated_workflows(Engine& engine, const Request& request) {
  return Response::json(correlated(engine, request, request.path_param("correlationId")));
}

Response correlated_workflows_batch(Engine& engine, const Request& request) {
  JsonObject answer;
  for (const std::string& id : body_strings(request)) answer[id] = correlated(engine, request, id);
  return Response::json(answer);
}

Response pause(Engine& engine, const Request& request) {
  engine.executor().pause(request.path_param("workflowId"));
  return Response::empty();
}

Response resume(Engine& engine, const Request& request) {
  engine.executor().resume(request.path_param("workflowId"));
  return Response::empty();
}

Response decide(Engine& engine, const Request& request) {
  engine.executor().decide(request.path_param("workflowId"));
  return Response::empty();
}

Response terminate(Engine& engine, const Request& request) {
  engine.executor().terminate(request.path_param("workflowId"), request.query("reason", ""));
  return Response::empty();
}

Response remove(Engine& engine, const Request& request) {
  engine.executor().remove(request.path_param("workflowId"), request.query_bool("archiveWorkflow", true));
  return Response::empty();
}

Response terminate_remove(Engine& engine, const Request& request) {
  engine.executor().terminate_remove(request.path_param("workflowId"), request.query("reason", ""),
                                     request.query_bool("archiveWorkflow", true));
  return Response::empty();
}

Response restart(Engine& engine, const Request& request) {
  engine.executor().restart(request.path_param("workflowId"), request.query_bool("useLatestDefinitions", false));
  return Response::empty(204);
}

Response retry(Engine& engine, const Request& request) {
  engine.executor().retry(request.path_param("workflowId"), request.query_bool("resumeSubworkflowTasks", false));
  return Response::empty(204);
}

/// Answers the workflow's id, as Conductor does.
Response rerun(Engine& engine, const Request& request) {
  const std::string id = request.path_param("workflowId");
  engine.executor().rerun(id, optional_body_as<RerunWorkflowRequest>(request));
  return Response::text(id);
}

/// Conductor's server ignores the body; clients send one, so it is read when present.
Response skip_task(Engine& engine, const Request& request) {
  engine.executor().skip_task(request.path_param("workflowId"), request.path_param("taskReferenceName"),
                              optional_body_as<SkipTaskRequest>(request));
  return Response::empty();
}

Response reset_callbacks(Engine& engine, const Request& request) {
  engine.executor().reset_callbacks(request.path_param("workflowId"));
  return Response::empty(204);
}

/// The workflow search parameters plus Conductor's `classifier` (a comma list) and `topLevelOnly`
/// filters, which it appends to the query as conditions.
SearchQuery workflow_search_query(const Request& request) {
  SearchQuery query = search_query(request);
  std::vector<std::string> conditions;
  if (!query.query.empty()) conditions.push_back(query.query);
  if (auto classifier = request.query("classifier"); classifier && !classifier->empty()) {
    conditions.push_back("classifier IN (" + *classifier + ")");
  }
  if (request.query_bool("topLevelOnly", false)) conditions.push_back("parentWorkflowId = \"\"");
  query.query.clear();
  for (const auto& condition : conditions) query.query += (query.query.empty() ? "" : " AND ") + condition;
  return query;
}

Response search(Engine& engine, const Request& request) {
  return Response::json(to_json(engine.executor().search(workflow_search_query(request))));
}

/// Conductor's search V2 answers full workflows, without their tasks, in place of summaries.
std::optional<Workflow> find_workflow(Engine& engine, const std::string& workflow_id) {
  return engine.executor().find_workflow(workflow_id, false);
}

Response search_v2(Engine& engine, const Request& request) {
  return Response::json(to_json(detail::expand_hits<Workflow>(
      engine.executor().search(workflow_search_query(request)),
      [&](const WorkflowSummary& hit) { return find_workflow(engine, hit.workflow_id); })));
}

Response search_by_tasks(Engine& engine, const Request& request) {
  return Response::json(to_json(engine.executor().search_by_tasks(search_query(request))));
}

Response search_by_tasks_v2(Engine& engine, const Request& request) {
  return Response::json(to_json(detail::expand_hits<Workflow>(
      engine.executor().search_by_tasks(search_query(request)),
      [&](const WorkflowSummary& hit) { return find_workflow(engine, hit.workflow_id); })));
}

}  // namespace

void add_workflow_routes(Router& router, Engine& engine) {
  router.add(engine, {
      {Method::kPost, "/api/workflow", start_workflow},
      {Method::kPost, "/api/workflow/{name}", start_workflow_by_name},
      {Method::kGet, "/api/workflow/search", search},
      {Method::kGet, "/api/workflow/search-v2", search_v2},
      {Method::kGet, "/api/workflow/search-by-tasks", search_by_tasks},
      {Method::kGet, "/api/workflow/search-by-tasks-v2", search_by_tasks_v2},
      {Method::kGet, "/api/workflow/running/{name}", running_workflows},
      {Method::kGet, "/api/workflow/{name}/correlated/{correlationId}", correlated_workflows},
      // The seed API page's spelling of the same lookup.
      {Method::kGet, "/api/workflow/running/{name}/correlated/{correlationId}", correlated_workflows},
      {Method::kPost, "/api/workflow/{name}/correlated", correlated_workflows_batch},
      {Method::kGet, "/api/workflow/{workflowId}", get_workflow},
      {Method::kGet, "/api/workflow/{workflowId}/status", workflow_status},
      {Method::kGet, "/api/workflow/{workflowId}/tasks", workflow_tasks},
      {Method::kPut, "/api/workflow/{workflowId}/pause", pause},
      {Method::kPut, "/api/workflow/{workflowId}/resume", resume},
      {Method::kPut, "/api/workflow/decide/{workflowId}", decide},
      {Method::kDelete, "/api/workflow/{workflowId}", terminate},
      {Method::kDelete, "/api/workflow/{workflowId}/remove", remove},
      {Method::kDelete, "/api/workflow/{workflowId}/terminate-remove", terminate_remove},
      {Method::kPost, "/api/workflow/{workflowId}/restart", restart},
      {Method::kPost, "/api/workflow/{workflowId}/retry", retry},
      {Method::kPost, "/api/workflow/{workflowId}/rerun", rerun},
      {Method::kPut, "/api/workflow/{workflowId}/skiptask/{taskReferenceName}", skip_task},
      {Method::kPost, "/api/workflow/{workflowId}/resetcallbacks", reset_callbacks},
  });
}

}  // namespace conductor::http
