#include "http/route_support.hpp"
#include "http/routes.hpp"

#include <conductor/codec.hpp>
#include <conductor/engine.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

/// `/api/workflow/bulk`: one operation over a list of workflow ids (api.md 1.8), over
/// WorkflowExecutor's bulk calls. Each answers 200 with a BulkResponse whatever happened to each id.
namespace conductor::http {
namespace {

Response answer(const BulkResponse& response) { return Response::json(to_json(response)); }

Response pause(Engine& engine, const Request& request) {
  return answer(engine.executor().bulk_pause(body_strings(request)));
}

Response resume(Engine& engine, const Request& request) {
  return answer(engine.executor().bulk_resume(body_strings(request)));
}

Response restart(Engine& engine, const Request& request) {
  return answer(
      engine.executor().bulk_restart(body_strings(request), request.query_bool("useLatestDefinitions", false)));
}

Response retry(Engine& engine, const Request& request) {
  return answer(engine.executor().bulk_retry(body_strings(request)));
}

Response terminate(Engine& engine, const Request& request) {
  return answer(engine.executor().bulk_terminate(body_strings(request), request.query("reason", "")));
}

Response remove(Engine& engine, const Request& request) {
  return answer(engine.executor().bulk_remove(body_strings(request), request.query_bool("archiveWorkflow", true)));
}

Response terminate_remove(Engine& engine, const Request& request) {
  return answer(engine.executor().bulk_terminate_remove(body_strings(request), request.query("reason", ""),
                                                        request.query_bool("archiveWorkflow", true)));
}

/// Successes are whole workflows here, not ids.
Response search(Engine& engine, const Request& request) {
  const auto found = engine.executor().bulk_get(body_strings(request), request.query_bool("includeTasks", true));
  JsonArray workflows;
  for (const auto& workflow : found.bulk_successful_results) workflows.push_back(to_json(workflow));
  JsonObject errors;
  for (const auto& [id, message] : found.bulk_error_results) errors[id] = message;
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
