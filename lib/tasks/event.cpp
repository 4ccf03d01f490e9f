#include "tasks/event.hpp"

#include "decider/input_resolver.hpp"
#include "tasks/task_input.hpp"

#include <conductor/codec.hpp>

#include <fmt/format.h>

#include <optional>

namespace conductor::detail {

namespace {

constexpr std::string_view kProduced = "event_produced";

// The queue a sink names; nullopt for a `conductor...` sink that is neither form upstream accepts.
std::optional<std::string> queue_name(std::string_view sink, const Workflow& workflow, const Task& task) {
  if (!sink.starts_with("conductor")) return std::string(sink);
  if (sink == "conductor") return fmt::format("conductor:{}:{}", workflow.workflow_name(), task.reference_task_name);
  if (sink.starts_with("conductor:"))
    return fmt::format("conductor:{}:{}", workflow.workflow_name(), sink.substr(std::string_view("conductor:").size()));
  return std::nullopt;
}

}  // namespace

std::vector<Task> EventTask::map(const MapperContext& context) const {
  const auto& node = context.node;
  JsonObject parameters = node.input_parameters;
  parameters["sink"] = node.sink ? Json(*node.sink) : Json();
  parameters["asyncComplete"] = node.async_complete;
  Task task = context.new_task(type());
  task.input_data = context.inputs.resolve(parameters, context.task_id);
  task.status = TaskStatus::kScheduled;
  return {std::move(task)};
}

void EventTask::start(Task& task, SystemTaskContext& context) const {
  const Workflow& wf = context.workflow;
  const std::string sink = input_text(task.input_data, "sink");
  auto queue = queue_name(sink, wf, task);
  if (!queue) {
    task.status = TaskStatus::kFailed;
    task.reason_for_incompletion = "Invalid / Unsupported sink specified: " + sink;
    return;
  }
  task.output_data = task.input_data;
  task.output_data["workflowInstanceId"] = wf.workflow_id;
  task.output_data["workflowType"] = wf.workflow_name();
  task.output_data["workflowVersion"] = wf.workflow_version();
  task.output_data["correlationId"] = wf.correlation_id ? Json(*wf.correlation_id) : Json();
  JsonObject domains;
  for (const auto& [name, domain] : wf.task_to_domain) domains[name] = domain;
  task.output_data["taskToDomain"] = std::move(domains);
  task.output_data[kProduced] = *queue;
  task.status = TaskStatus::kInProgress;
  // Published once, here: execute runs again on every decide while an asyncComplete task waits. The
  // message is the task's output under the task's id, what a handler's `${...}` reads.
  if (queue->starts_with("conductor:"))
    context.effects.publish_event({*queue, task.task_id, to_json_text(Json(task.output_data)), context.now});
}

bool EventTask::execute(Task& task, SystemTaskContext& /*context*/) const {
  const std::string queue = input_text(task.output_data, kProduced);
  if (!queue.starts_with("conductor:")) {
    task.status = TaskStatus::kFailed;
    task.reason_for_incompletion =
        fmt::format("Error loading queue for name:{}, sink:{}, error: no event queue provider for '{}'", queue,
                    input_text(task.input_data, "sink"), queue.substr(0, queue.find(':')));
    return true;
  }
  if (is_async_complete(task)) return false;
  task.status = TaskStatus::kCompleted;
  return true;
}

}  // namespace conductor::detail
