#include "http/route_support.hpp"
#include "http/routes.hpp"

#include <conductor/codec.hpp>
#include <conductor/engine.hpp>
#include <conductor/error.hpp>

#include <chrono>
#include <optional>
#include <string>

/// `/api/tasks`: the worker endpoints, task reads and logs, queues and poll data, task search
/// (api.md 1.9, 1.11-1.13), over TaskQueue.
namespace conductor::http {
namespace {

std::optional<std::string_view> view(const std::optional<std::string>& value) {
  return value ? std::optional<std::string_view>(*value) : std::nullopt;
}

Response poll(Engine& engine, const Request& request) {
  const auto domain = request.query("domain");
  auto task = engine.queue().poll(request.path_param("tasktype"), request.query("workerid", ""), view(domain));
  return task ? Response::json(to_json(*task)) : Response::empty(204);
}

Response batch_poll(Engine& engine, const Request& request) {
  const auto domain = request.query("domain");
  return Response::json(to_json_array(engine.queue().batch_poll(
      request.path_param("tasktype"), request.query("workerid", ""), view(domain), request.query_int("count", 1),
      std::chrono::milliseconds(request.query_int("timeout", 100)))));
}

Response update_task(Engine& engine, const Request& request) {
  return Response::text(engine.queue().update_task(body_as<TaskResult>(request)).task_id);
}

Response update_task_v2(Engine& engine, const Request& request) {
  auto next = engine.queue().update_task_and_poll(body_as<TaskResult>(request));
  return next ? Response::json(to_json(*next)) : Response::empty(204);
}

TaskResultStatus path_status(const Request& request) {
  const std::string& name = request.path_param("status");
  const auto status = parse_task_result_status(name);
  if (!status) {
    throw ValidationError("Invalid value '" + name + "' for path variable 'status': must be a task result status",
                          {FieldViolation{"status", "must be a task result status", name}});
  }
  return *status;
}

Task update_by_ref(Engine& engine, const Request& request) {
  const auto worker_id = request.query("workerid");
  return engine.queue().update_task_by_ref(request.path_param("workflowId"), request.path_param("taskRefName"),
                                           path_status(request), body_object(request), view(worker_id));
}

/// Conductor answers an empty 200 when there is nothing to update, unknown workflow included.
Response update_task_by_ref(Engine& engine, const Request& request) {
  try {
    return Response::text(update_by_ref(engine, request).task_id);
  } catch (const NotFoundError&) {
    return Response::empty();
  }
}

Response update_task_by_ref_sync(Engine& engine, const Request& request) {
  const Task updated = update_by_ref(engine, request);
  return Response::json(to_json(engine.executor().get_workflow(updated.workflow_instance_id)));
}

Response get_task(Engine& engine, const Request& request) {
  return Response::json(to_json(engine.queue().get_task(request.path_param("taskId"))));
}

/// The body is stored verbatim, whatever its content type.
Response add_log(Engine& engine, const Request& request) {
  engine.queue().add_log(request.path_param("taskId"), request.body());
  return Response::empty();
}

Response logs(Engine& engine, const Request& request) {
  const auto logs = engine.queue().logs(request.path_param("taskId"));
  return logs.empty() ? Response::empty(204) : Response::json(to_json_array(logs));
}

Response queue_size(Engine& engine, const Request& request) {
  const auto domain = request.query("domain");
  const auto isolation_group = request.query("isolationGroupId");
  const auto execution_namespace = request.query("executionNamespace");
  return Response::json(engine.queue().queue_size(request.required_query("taskType"), view(domain),
                                                  view(isolation_group), view(execution_namespace)));
}

Response queue_sizes(Engine& engine, const Request& request) {
  request.required_query("taskType");
  JsonObject sizes;
  for (const auto& [type, size] : engine.queue().queue_sizes(request.query_all("taskType"))) sizes[type] = size;
  return Response::json(sizes);
}

Response all_queues(Engine& engine, const Request&) {
  JsonObject sizes;
  for (const auto& [queue, counts] : engine.queue().all_queue_details()) sizes[queue] = counts.size;
  return Response::json(sizes);
}

/// Conductor's per-shard view; SQLite queues have one shard, named "a".
Response all_queues_verbose(Engine& engine, const Request&) {
  JsonObject details;
  for (const auto& [queue, counts] : engine.queue().all_queue_details()) {
    JsonObject shard;
    shard["size"] = counts.size;
    shard["uacked"] = counts.unacked;
    JsonObject shards;
    shards["a"] = std::move(shard);
    details[queue] = std::move(shards);
  }
  return Response::json(details);
}

Response poll_data(Engine& engine, const Request& request) {
  return Response::json(to_json_array(engine.queue().poll_data(request.required_query("taskType"))));
}

Response all_poll_data(Engine& engine, const Request&) {
  return Response::json(to_json_array(engine.queue().all_poll_data()));
}

Response requeue_pending(Engine& engine, const Request& request) {
  return Response::text(std::to_string(engine.queue().requeue_pending(request.path_param("taskType"))));
}

Response search(Engine& engine, const Request& request) {
  return Response::json(to_json(engine.queue().search(search_query(request))));
}

Response search_v2(Engine& engine, const Request& request) {
  return Response::json(to_json(engine.queue().search_v2(search_query(request))));
}

}  // namespace

void add_task_routes(Router& router, Engine& engine) {
  router.add(engine, {
      {Method::kGet, "/api/tasks/poll/{tasktype}", poll},
      {Method::kGet, "/api/tasks/poll/batch/{tasktype}", batch_poll},
      {Method::kPost, "/api/tasks", update_task},
      {Method::kPost, "/api/tasks/update-v2", update_task_v2},
      {Method::kPost, "/api/tasks/{workflowId}/{taskRefName}/{status}", update_task_by_ref},
      {Method::kPost, "/api/tasks/{workflowId}/{taskRefName}/{status}/sync", update_task_by_ref_sync},
      {Method::kGet, "/api/tasks/search", search},
      {Method::kGet, "/api/tasks/search-v2", search_v2},
      {Method::kGet, "/api/tasks/{taskId}", get_task},
      {Method::kPost, "/api/tasks/{taskId}/log", add_log},
      {Method::kGet, "/api/tasks/{taskId}/log", logs},
      {Method::kGet, "/api/tasks/queue/size", queue_size},
      {Method::kGet, "/api/tasks/queue/sizes", queue_sizes},
      {Method::kGet, "/api/tasks/queue/all", all_queues},
      {Method::kGet, "/api/tasks/queue/all/verbose", all_queues_verbose},
      {Method::kGet, "/api/tasks/queue/polldata", poll_data},
      {Method::kGet, "/api/tasks/queue/polldata/all", all_poll_data},
      {Method::kPost, "/api/tasks/queue/requeue/{taskType}", requeue_pending},
  });
}

}  // namespace conductor::http
