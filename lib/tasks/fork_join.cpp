#include "tasks/fork_join.hpp"

#include "decider/decider.hpp"
#include "decider/navigation.hpp"

namespace conductor::detail {

Task fork_marker(const MapperContext& context) {
  Task fork = context.new_task("FORK");
  fork.task_def_name = "FORK";
  fork.input_data = context.context_input();
  fork.status = TaskStatus::kCompleted;
  fork.start_time = fork.end_time = context.now;
  if (context.task_def) fork.isolation_group_id = context.task_def->isolation_group_id;
  return fork;
}

std::vector<Task> ForkTask::map(const MapperContext& context) const { return {fork_marker(context)}; }

bool ForkJoinTask::forks_lazily_to(const WorkflowTask& node, std::string_view ref) const {
  return contains_ref(node, ref);
}

std::vector<Task> ForkJoinTask::map(const MapperContext& context) const {
  std::vector<Task> tasks{fork_marker(context)};
  for (const auto& branch : context.node.fork_tasks) {
    if (branch.empty()) continue;
    for (auto& head : context.map_node(branch.front())) tasks.push_back(std::move(head));
  }
  const WorkflowTask* join = next_node(*context.workflow.workflow_definition, context.node.task_reference_name);
  if (!join || join->type != "JOIN")
    throw TerminateWorkflow{
        {WorkflowStatus::kFailed, "Fork task definition is not followed by a join task.  Check the blueprint", {}, {}}};
  for (auto& t : context.map_node(*join)) tasks.push_back(std::move(t));
  return tasks;
}

}  // namespace conductor::detail
