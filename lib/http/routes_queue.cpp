#include "http/route_support.hpp"
#include "http/routes.hpp"

#include <conductor/codec.hpp>
#include <conductor/engine.hpp>
#include <conductor/error.hpp>

#include <fmt/format.h>

/// `/api/queue/update/...` (api.md 1.15): completing or failing a waiting task from outside. Where
/// Conductor publishes a message that a queue listener applies later, the update is applied at
/// once, so the caller learns whether a matching task existed (404 when not).
namespace conductor::http {
namespace {

Response update_by_ref(Engine& engine, const Request& request) {
  engine.queue().update_task_by_ref(request.path_param("workflowId"), request.path_param("taskRefName"),
                                    path_status(request), body_object(request));
  return Response::empty();
}

Response update_by_task_id(Engine& engine, const Request& request) {
  const TaskResultStatus status = path_status(request);
  const std::string& workflow_id = request.path_param("workflowId");
  Task task = engine.queue().get_task(request.path_param("taskId"));
  if (task.workflow_instance_id != workflow_id || is_terminal(task.status))
    throw NotFoundError(fmt::format("Found no pending task {} in workflow {}", task.task_id, workflow_id));
  TaskResult result;
  result.workflow_instance_id = workflow_id;
  result.task_id = task.task_id;
  result.status = status;
  result.output_data = std::move(task.output_data);
  for (auto& [key, value] : body_object(request)) result.output_data[key] = value;
  engine.queue().update_task(result);
  return Response::empty();
}

}  // namespace

void add_queue_routes(Router& router, Engine& engine) {
  router.add(engine, {
      {Method::kPost, "/api/queue/update/{workflowId}/{taskRefName}/{status}", update_by_ref},
      {Method::kPost, "/api/queue/update/{workflowId}/task/{taskId}/{status}", update_by_task_id},
  });
}

}  // namespace conductor::http
