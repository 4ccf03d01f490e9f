#include "tasks/human.hpp"

#include "decider/input_resolver.hpp"

namespace conductor::detail {

std::vector<Task> HumanTask::map(const MapperContext& context) const {
  Task task = context.new_task(type());
  task.input_data = context.inputs.resolve(context.node.input_parameters, context.task_id);
  task.status = TaskStatus::kInProgress;
  return {std::move(task)};
}

// A retried attempt is created SCHEDULED; it waits for its update like the first one.
void HumanTask::start(Task& task, SystemTaskContext& /*context*/) const { task.status = TaskStatus::kInProgress; }

}  // namespace conductor::detail
