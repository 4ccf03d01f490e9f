#include "tasks/switch.hpp"

#include "decider/decider.hpp"
#include "decider/java_text.hpp"
#include "script/evaluator.hpp"
#include "script/javascript.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace conductor::detail {

bool CaseTask::execute(Task& task, SystemTaskContext& /*context*/) const {
  task.status = TaskStatus::kCompleted;
  return true;
}

std::vector<Task> CaseTask::with_case(const MapperContext& context, Task task, const std::string& case_value,
                                      DefaultWhen default_when) {
  const auto& cases = context.node.decision_cases;
  auto found = std::find_if(cases.begin(), cases.end(), [&](const auto& c) { return c.first == case_value; });
  const std::vector<WorkflowTask>* chosen = found == cases.end() ? nullptr : &found->second;
  if (!chosen || (default_when == DefaultWhen::kAbsentOrEmpty && chosen->empty())) chosen = &context.node.default_case;

  std::vector<Task> tasks;
  tasks.push_back(std::move(task));
  if (chosen->empty()) return tasks;
  tasks.front().input_data["hasChildren"] = "true";
  for (auto& child : context.map_node(chosen->front())) tasks.push_back(std::move(child));
  return tasks;
}

std::vector<Task> SwitchTask::map(const MapperContext& context) const {
  const auto& node = context.node;
  const std::string evaluator = node.evaluator_type.value_or("null");
  if (!is_evaluator(evaluator))
    throw TerminateWorkflow{
        {WorkflowStatus::kFailed, fmt::format("No evaluator registered for type: {}", evaluator), {}, {}}};

  Task task = context.new_task("SWITCH");
  task.task_def_name = "SWITCH";
  task.input_data = context.context_input();
  task.start_time = context.now;
  std::string result;
  try {
    result = java_text(evaluate(evaluator, node.expression.value_or(""), task.input_data));
  } catch (const ScriptError& e) {
    task.status = TaskStatus::kFailed;
    task.reason_for_incompletion = e.what();
    return {std::move(task)};
  }
  task.status = TaskStatus::kInProgress;
  task.input_data["case"] = result;
  task.output_data["evaluationResult"] = JsonArray{Json(result)};
  task.output_data["selectedCase"] = result;
  return with_case(context, std::move(task), result, DefaultWhen::kAbsent);
}

}  // namespace conductor::detail
