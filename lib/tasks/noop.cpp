#include "tasks/noop.hpp"

namespace conductor::detail {

std::vector<Task> NoopTask::map(const MapperContext& context) const {
  Task task = context.new_task(type());
  task.status = TaskStatus::kInProgress;
  return {std::move(task)};
}

bool NoopTask::execute(Task& task, SystemTaskContext& /*context*/) const {
  task.status = TaskStatus::kCompleted;
  return true;
}

}  // namespace conductor::detail
