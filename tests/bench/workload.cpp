#include <fmt/format.h>

#include "bench.hpp"

namespace conductor::bench {

TaskDef bench_task_def() {
  TaskDef def;
  def.name = std::string(kTaskType);
  return def;
}

WorkflowDef three_step_workflow() {
  WorkflowDef def;
  def.name = std::string(kWorkflowName);
  def.version = 1;
  def.workflow_status_listener_enabled = true;  // the in-process run sees completions through the listener
  for (int i = 1; i <= kTasksPerWorkflow; ++i) {
    WorkflowTask node;
    node.name = std::string(kTaskType);
    node.task_reference_name = fmt::format("step{}", i);
    node.input_parameters = {{"order", "${workflow.input.order}"}, {"step", i}};
    def.tasks.push_back(std::move(node));
  }
  def.output_parameters = {{"last", "${step3.output.done}"}};
  return def;
}

JsonObject bench_task_output(const Task& task) {
  return JsonObject{{"done", true}, {"step", task.input_data.at("step")}};
}

}  // namespace conductor::bench
