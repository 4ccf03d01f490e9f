#include "decider/input_resolver.hpp"
#include "tasks/task_handler.hpp"

namespace conductor::detail {

Task MapperContext::new_task(std::string_view task_type) const {
  Task task;
  task.task_id = task_id;
  task.reference_task_name = node.task_reference_name;
  task.workflow_instance_id = workflow.workflow_id;
  task.workflow_type = workflow.workflow_name();
  task.correlation_id = workflow.correlation_id;
  task.scheduled_time = now;
  task.workflow_priority = workflow.priority;
  task.task_type = std::string(task_type);
  task.task_def_name = node.name;
  task.retry_count = retry_count;
  task.workflow_task = definitions ? definitions->node(workflow.workflow_definition, node) : Shared<WorkflowTask>(node);
  return task;
}

JsonObject MapperContext::task_input() const {
  return inputs.resolve_with_template(node.input_parameters, task_def, task_id);
}

JsonObject MapperContext::context_input() const { return inputs.resolve(node.input_parameters); }

}  // namespace conductor::detail
