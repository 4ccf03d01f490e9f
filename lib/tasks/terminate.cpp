#include "tasks/terminate.hpp"

#include "decider/input_resolver.hpp"
#include "tasks/task_input.hpp"

namespace conductor::detail {

std::vector<Task> TerminateTask::map(const MapperContext& context) const {
  Task task = context.new_task(type());
  task.input_data = context.inputs.resolve(context.node.input_parameters, context.task_id);
  task.status = TaskStatus::kInProgress;
  return {std::move(task)};
}

bool TerminateTask::execute(Task& task, SystemTaskContext& /*context*/) const {
  const std::string status = input_text(task.input_data, "terminationStatus");
  if (status != "COMPLETED" && status != "FAILED" && status != "TERMINATED") {
    task.status = TaskStatus::kFailed;
    task.reason_for_incompletion = "given termination status is not valid";
    return true;
  }
  task.output_data.clear();
  if (const auto* output = task.input_data.if_contains("workflowOutput"); output && !output->is_null()) {
    if (output->is_object())
      task.output_data = output->as_object();
    else
      task.output_data["output"] = *output;
  }
  task.status = TaskStatus::kCompleted;
  return true;
}

}  // namespace conductor::detail
