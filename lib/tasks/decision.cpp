#include "tasks/decision.hpp"

#include "decider/decider.hpp"
#include "decider/java_text.hpp"
#include "script/evaluator.hpp"
#include "script/javascript.hpp"

#include <fmt/format.h>

namespace conductor::detail {

std::vector<Task> DecisionTask::map(const MapperContext& context) const {
  const auto& node = context.node;
  const JsonObject input = context.context_input();
  std::string case_value;
  if (node.case_expression && !is_blank(*node.case_expression)) {
    try {
      case_value = java_text(evaluate_javascript(*node.case_expression, input));
    } catch (const ScriptError&) {
      throw TerminateWorkflow{{WorkflowStatus::kFailed,
                               fmt::format("Error while evaluating script: {}", *node.case_expression), {}, {}}};
    }
  } else {
    const Json* value = node.case_value_param ? input.if_contains(*node.case_value_param) : nullptr;
    case_value = java_text(value ? *value : Json(nullptr));
  }

  Task task = context.new_task("DECISION");
  task.task_def_name = "DECISION";
  task.input_data = {{"case", case_value}};
  task.output_data["caseOutput"] = JsonArray{Json(case_value)};
  task.status = TaskStatus::kInProgress;
  task.start_time = context.now;
  return with_case(context, std::move(task), case_value, DefaultWhen::kAbsentOrEmpty);
}

}  // namespace conductor::detail
