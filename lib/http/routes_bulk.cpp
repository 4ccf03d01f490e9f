#include "http/route_support.hpp"
#include "http/routes.hpp"

#include <conductor/codec.hpp>
#include <conductor/engine.hpp>
#include <conductor/error.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <fmt/format.h>

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

/// `/api/workflow/bulk`: one operation over a list of workflow ids (api.md 1.8, Conductor's
/// WorkflowBulkService), as a loop over WorkflowExecutor's single-workflow calls. Each id is handled
/// in its own transaction, in order; a failure is reported with its message and never undoes the
/// others. Each route answers 200 with a BulkResponse whatever happened to each id.
namespace conductor::http {
namespace {

constexpr std::size_t kMaxBulkIds = 1000;

/// The body's workflow ids, held to Conductor's constraints: ValidationError (400) for an empty list
/// or more than 1000 ids; `method` names the service method in the violation path.
std::vector<std::string> workflow_ids(const Request& request, std::string_view method) {
  auto ids = body_strings(request);
  std::string message;
  if (ids.empty()) {
    message = "WorkflowIds list cannot be null.";
  } else if (ids.size() > kMaxBulkIds) {
    message = fmt::format("Cannot process more than {} workflows. Please use multiple requests.", kMaxBulkIds);
  } else {
    return ids;
  }
  throw ValidationError({{fmt::format("{}.workflowIds", method), message, ""}});
}

/// Runs one step for `id`, recording the id as a success or its error message (a later message for
/// the same id replaces an earlier one, as in Conductor's map).
template <class Step>
void record(BulkResponse& response, const std::string& id, Step step) {
  try {
    step();
    response.bulk_successful_results.push_back(id);
  } catch (const std::exception& e) {
    response.bulk_error_results[id] = e.what();
  }
}

template <class Operation>
Response bulk(const Request& request, std::string_view method, Operation operation) {
  BulkResponse response;
  for (const auto& id : workflow_ids(request, method)) record(response, id, [&] { operation(id); });
  return Response::json(to_json(response));
}

Response pause(Engine& engine, const Request& request) {
  return bulk(request, "pauseWorkflow", [&](const std::string& id) { engine.executor().pause(id); });
}

Response resume(Engine& engine, const Request& request) {
  return bulk(request, "resumeWorkflow", [&](const std::string& id) { engine.executor().resume(id); });
}

Response restart(Engine& engine, const Request& request) {
  const bool latest = request.query_bool("useLatestDefinitions", false);
  return bulk(request, "restart", [&](const std::string& id) { engine.executor().restart(id, latest); });
}

/// Never resumes sub-workflow tasks.
Response retry(Engine& engine, const Request& request) {
  return bulk(request, "retry", [&](const std::string& id) { engine.executor().retry(id, false); });
}

Response terminate(Engine& engine, const Request& request) {
  const std::string reason = request.query("reason", "");
  return bulk(request, "terminate", [&](const std::string& id) { engine.executor().terminate(id, reason); });
}

Response remove(Engine& engine, const Request& request) {
  const bool archive = request.query_bool("archiveWorkflow", true);
  return bulk(request, "deleteWorkflow", [&](const std::string& id) { engine.executor().remove(id, archive); });
}

/// Terminate then remove each id as two steps, removing even when terminate failed: an id can be
/// listed twice as a success, or both as a success and as an error (as Conductor).
Response terminate_remove(Engine& engine, const Request& request) {
  const std::string reason = request.query("reason", "");
  const bool archive = request.query_bool("archiveWorkflow", true);
  BulkResponse response;
  for (const auto& id : workflow_ids(request, "terminateRemove")) {
    record(response, id, [&] { engine.executor().terminate(id, reason); });
    record(response, id, [&] { engine.executor().remove(id, archive); });
  }
  return Response::json(to_json(response));
}

/// Fetches each workflow: successes are whole workflows here, not ids, in request order, and an
/// error message per id that is not found.
Response search(Engine& engine, const Request& request) {
  const bool include_tasks = request.query_bool("includeTasks", true);
  JsonArray workflows;
  JsonObject errors;
  for (const auto& id : workflow_ids(request, "searchWorkflow")) {
    try {
      workflows.push_back(to_json(engine.executor().get_workflow(id, include_tasks)));
    } catch (const std::exception& e) {
      errors[id] = e.what();
    }
  }
  JsonObject answer;
  answer["bulkSuccessfulResults"] = std::move(workflows);
  answer["bulkErrorResults"] = std::move(errors);
  return Response::json(answer);
}

}  // namespace

void add_bulk_routes(Router& router, Engine& engine) {
  router.add(engine, {
      {Method::kPut, "/api/workflow/bulk/pause", pause},
      {Method::kPut, "/api/workflow/bulk/resume", resume},
      {Method::kPost, "/api/workflow/bulk/restart", restart},
      {Method::kPost, "/api/workflow/bulk/retry", retry},
      {Method::kPost, "/api/workflow/bulk/terminate", terminate},
      {Method::kDelete, "/api/workflow/bulk/remove", remove},
      {Method::kDelete, "/api/workflow/bulk/terminate-remove", terminate_remove},
      {Method::kPost, "/api/workflow/bulk/search", search},
  });
}

}  // namespace conductor::http
