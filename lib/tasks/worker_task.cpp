#include "tasks/worker_task.hpp"

#include "decider/decider.hpp"

#include <fmt/format.h>

namespace conductor::detail {

std::vector<Task> WorkerTask::map(const MapperContext& context) const {
  const auto& node = context.node;
  // A SIMPLE node without a registered definition runs with TaskDef defaults; a user-defined type has
  // no such fallback (semantics.md §5.3).
  static const TaskDef kDefaults;
  const TaskDef* def = context.task_def;
  if (!def && user_defined_)
    throw TerminateWorkflow{{WorkflowStatus::kFailed,
                             fmt::format("Invalid task specified. Cannot find task by name {} in the task definitions",
                                         node.name),
                             {}, {}}};
  if (!def) def = &kDefaults;
  Task task = context.new_task(user_defined_ ? node.type : node.name);
  task.input_data = context.task_input();
  task.status = TaskStatus::kScheduled;
  task.start_delay_in_seconds = node.start_delay;
  task.callback_after_seconds = node.start_delay;
  task.response_timeout_seconds = def->response_timeout_seconds;
  task.rate_limit_per_frequency = def->rate_limit_per_frequency;
  task.rate_limit_frequency_in_seconds = def->rate_limit_frequency_in_seconds;
  task.isolation_group_id = def->isolation_group_id;
  task.execution_name_space = def->execution_name_space;
  return {std::move(task)};
}

}  // namespace conductor::detail
