#include "tasks/start_workflow.hpp"

#include <conductor/codec.hpp>
#include <conductor/error.hpp>

#include "script/evaluator.hpp"
#include "tasks/task_input.hpp"

#include <fmt/format.h>

namespace conductor::detail {

namespace {

void fail(Task& task, std::string reason) {
  task.status = TaskStatus::kFailed;
  task.reason_for_incompletion = std::move(reason);
}

// The request's own constraints, worded as upstream's bean validation reports them.
std::string violations(const StartWorkflowRequest& request) {
  std::string out;
  if (request.name.empty()) out += "'name' -> Workflow name cannot be null or empty. ";
  if (request.priority < 0) out += fmt::format("'priority' -> priority: {} should be minimum 0. ", request.priority);
  if (request.priority > 99) out += fmt::format("'priority' -> priority: {} should be maximum 99. ", request.priority);
  return out;
}

}  // namespace

std::vector<Task> StartWorkflowTask::map(const MapperContext& context) const {
  Task task = context.new_task(type());
  task.input_data = context.context_input();
  task.status = TaskStatus::kScheduled;
  task.callback_after_seconds = context.node.start_delay;
  return {std::move(task)};
}

void StartWorkflowTask::start(Task& task, SystemTaskContext& context) const {
  const auto* spec = task.input_data.if_contains("startWorkflow");
  if (!spec || spec->is_null()) return fail(task, "Missing 'startWorkflow' in input data.");
  StartWorkflowRequest request;
  try {
    request = decode<StartWorkflowRequest>(*spec);
  } catch (const ValidationError& e) {
    return fail(task, fmt::format("Error reading StartWorkflowRequest. {}", e.what()));
  }
  if (auto problems = violations(request); !problems.empty())
    return fail(task, "startWorkflow validation failed. " + problems);

  const Workflow& starter = context.workflow;
  if (request.task_to_domain.empty()) request.task_to_domain = starter.task_to_domain;
  if (!request.correlation_id || is_blank(*request.correlation_id)) request.correlation_id = starter.correlation_id;
  try {
    task.output_data["workflowId"] = context.effects.start_workflow(request, nullptr);
    task.status = TaskStatus::kCompleted;
  } catch (const UnavailableError&) {
    // Transient: the task stays SCHEDULED and starts again at its next delivery.
  } catch (const StorageError&) {
    // The storage failed, not the request: the whole change fails and keeps nothing, the task included.
    throw;
  } catch (const Error& e) {
    fail(task, e.what());
  }
}

}  // namespace conductor::detail
