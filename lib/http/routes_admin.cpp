#include "http/routes.hpp"

#include <conductor/codec.hpp>
#include <conductor/engine.hpp>
#include <conductor/error.hpp>
#include <conductor/version.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <fmt/format.h>

/// `/api/admin/...` (api.md 1.16) and the environment and secret listings Conductor's UI reads
/// (api.md 1.17).
namespace conductor::http {
namespace {

/// The settings a client may want to know about, under Conductor's property names (sizes in KB).
Response config(Engine& engine, const Request&) {
  const PayloadLimits& limits = engine.payload_limits();
  JsonObject config;
  config["version"] = CONDUCTOR_VERSION_STRING;
  config["externalPayloadStorageEnabled"] = engine.payload_storage() != nullptr;
  config["workflowInputPayloadSizeThreshold"] = limits.workflow_input_threshold_kb;
  config["maxWorkflowInputPayloadSizeThreshold"] = limits.workflow_input_max_kb;
  config["workflowOutputPayloadSizeThreshold"] = limits.workflow_output_threshold_kb;
  config["maxWorkflowOutputPayloadSizeThreshold"] = limits.workflow_output_max_kb;
  config["taskInputPayloadSizeThreshold"] = limits.task_input_threshold_kb;
  config["maxTaskInputPayloadSizeThreshold"] = limits.task_input_max_kb;
  config["taskOutputPayloadSizeThreshold"] = limits.task_output_threshold_kb;
  config["maxTaskOutputPayloadSizeThreshold"] = limits.task_output_max_kb;
  // Bounds Conductor does not have, under names of the same style (docs/security.md).
  const Limits& bounds = engine.limits();
  config["maxTasksPerWorkflow"] = bounds.max_tasks_per_workflow;
  config["maxForkBranches"] = bounds.max_fork_branches;
  config["maxDoWhileIterations"] = bounds.max_do_while_iterations;
  config["maxSubWorkflowDepth"] = bounds.max_sub_workflow_depth;
  config["maxWorkflowDefSizeKB"] = bounds.max_workflow_def_kb;
  config["maxSearchPageSize"] = bounds.max_search_page_size;
  config["maxTaskLogSizeKB"] = bounds.max_task_log_kb;
  return Response::json(config);
}

Response pending_tasks(Engine& engine, const Request& request) {
  JsonArray tasks;
  for (const auto& task : engine.queue().pending_tasks(request.path_param("tasktype"), request.query_int("start", 0),
                                                        request.query_int("count", 100)))
    tasks.push_back(to_json(task));
  return Response::json(tasks);
}

Response requeue_sweep(Engine& engine, const Request& request) {
  const std::string& id = request.path_param("workflowId");
  return Response::text(fmt::format("{}.{}", engine.executor().requeue_sweep(id), id));
}

Response verify_and_repair(Engine& engine, const Request& request) {
  return Response::text(engine.executor().verify_and_repair(request.path_param("workflowId")) ? "true" : "false");
}

Response environment(Engine& engine, const Request&) {
  JsonArray variables;
  for (const auto& [name, value] : engine.environment_variables()) {
    JsonObject variable;
    variable["name"] = name;
    variable["value"] = value;
    variables.push_back(std::move(variable));
  }
  return Response::json(variables);
}

Response environment_variable(Engine& engine, const Request& request) {
  const std::string& key = request.path_param("key");
  const auto variables = engine.environment_variables();
  const auto it = variables.find(key);
  if (it == variables.end()) throw NotFoundError(fmt::format("No such environment variable: {}", key));
  return Response::text(it->second);
}

Response secrets(Engine& engine, const Request&) {
  JsonArray names;
  for (const auto& name : engine.secret_names()) names.emplace_back(name);
  return Response::json(names);
}

}  // namespace

void add_admin_routes(Router& router, Engine& engine) {
  router.add(engine, {
      {Method::kGet, "/api/admin/config", config},
      {Method::kGet, "/api/admin/task/{tasktype}", pending_tasks},
      {Method::kPost, "/api/admin/sweep/requeue/{workflowId}", requeue_sweep},
      {Method::kPost, "/api/admin/consistency/verifyAndRepair/{workflowId}", verify_and_repair},
      {Method::kGet, "/api/environment", environment},
      {Method::kGet, "/api/environment/{key}", environment_variable},
      {Method::kGet, "/api/secrets", secrets},
  });
}

}  // namespace conductor::http
