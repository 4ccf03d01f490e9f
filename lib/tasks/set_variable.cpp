#include "tasks/set_variable.hpp"


#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <optional>
#include <utility>
#include <vector>

namespace conductor::detail {

std::vector<Task> SetVariableTask::map(const MapperContext& context) const {
  Task task = context.new_task(type());
  task.input_data = context.context_input();
  task.status = TaskStatus::kInProgress;
  return {std::move(task)};
}

bool SetVariableTask::execute(Task& task, SystemTaskContext& context) const {
  task.status = TaskStatus::kCompleted;
  if (task.input_data.empty()) return true;
  auto& variables = context.workflow.variables;
  // What each key held before, to undo the whole task when the result is too large.
  std::vector<std::pair<std::string, std::optional<Json>>> previous;
  for (const auto& [key, value] : task.input_data) {
    const auto* old = variables.if_contains(key);
    previous.emplace_back(std::string(key), old ? std::optional<Json>(*old) : std::nullopt);
    variables[key] = value;
  }
  const std::int64_t limit_kb = context.effects.max_workflow_variables_kb();
  const auto size = static_cast<std::int64_t>(boost::json::serialize(variables).size());
  if (size > limit_kb * 1024) {
    for (auto& [key, old] : previous) {
      if (old)
        variables[key] = std::move(*old);
      else
        variables.erase(key);
    }
    task.status = TaskStatus::kFailedWithTerminalError;
    task.reason_for_incompletion = fmt::format(
        "The variables payload size: {} of workflow: {} is greater than the permissible limit: {} kilobytes", size,
        context.workflow.workflow_id, limit_kb);
  }
  return true;
}

}  // namespace conductor::detail
