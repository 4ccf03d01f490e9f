#include "tasks/dynamic.hpp"

#include "decider/decider.hpp"
#include "decider/java_text.hpp"
#include "tasks/worker_task.hpp"

#include <fmt/format.h>

namespace conductor::detail {

std::vector<Task> DynamicTask::map(const MapperContext& context) const {
  const WorkflowTask& node = context.node;
  const JsonObject input = context.context_input();
  const Json* value = node.dynamic_task_name_param ? input.if_contains(*node.dynamic_task_name_param) : nullptr;
  if (!value || value->is_null())
    throw TerminateWorkflow{{WorkflowStatus::kFailed,
                             fmt::format("Cannot map a dynamic task based on the parameter and input. Parameter= {}, "
                                         "input= {}",
                                         node.dynamic_task_name_param.value_or("null"), java_text(input)),
                             {}, {}}};

  WorkflowTask resolved = node;
  resolved.name = java_text(*value);
  // The placeholder's definition wins: every node got one (ad hoc if need be) when the run started.
  if (!resolved.task_definition && context.find_task_def)
    resolved.task_definition = context.find_task_def(resolved.name);
  if (!resolved.task_definition)
    throw TerminateWorkflow{{WorkflowStatus::kFailed,
                             fmt::format("Invalid task specified.  Cannot find task by name {} in the task definitions",
                                         resolved.name),
                             {}, {}}};
  MapperContext worker{context.workflow,
                       resolved,
                       &*resolved.task_definition,
                       context.task_id,
                       context.retry_count,
                       context.now,
                       context.inputs,
                       context.map_node,
                       context.registry,
                       context.find_task_def,
                       context.limits,
                       context.definitions};
  return WorkerTask(false).map(worker);
}

}  // namespace conductor::detail
