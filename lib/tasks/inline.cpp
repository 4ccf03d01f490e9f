#include "tasks/inline.hpp"

#include "decider/java_text.hpp"
#include "script/evaluator.hpp"
#include "script/javascript.hpp"

#include <fmt/format.h>

namespace conductor::detail {

namespace {

void fail(Task& task, TaskStatus status, const std::string& message) {
  task.status = status;
  task.reason_for_incompletion = message;
  task.output_data["error"] = message;
}

}  // namespace

Task map_script_task(const MapperContext& context, std::string_view type) {
  Task task = context.new_task(type);
  task.input_data = context.task_input();
  task.status = TaskStatus::kInProgress;
  task.start_time = context.now;
  return task;
}

std::vector<Task> InlineTask::map(const MapperContext& context) const { return {map_script_task(context, type())}; }

bool InlineTask::execute(Task& task, SystemTaskContext& /*context*/) const {
  const JsonObject& input = task.input_data;
  std::string evaluator = "javascript";
  if (const Json* given = input.if_contains("evaluatorType")) {
    evaluator = given->is_string() ? std::string(given->get_string()) : java_text(*given);
    if (is_blank(evaluator)) {
      fail(task, TaskStatus::kFailedWithTerminalError,
           "Empty 'evaluatorType' in INLINE task's input parameters. A non-empty String value must be provided.");
      return true;
    }
  }
  if (!is_evaluator(evaluator)) {
    fail(task, TaskStatus::kFailedWithTerminalError, fmt::format("Unknown evaluator '{}' in INLINE task.", evaluator));
    return true;
  }
  auto expression = non_blank_string(input, "expression");
  if (!expression) {
    fail(task, TaskStatus::kFailedWithTerminalError,
         "Empty 'expression' in Inline task's input parameters. A non-empty String value must be provided.");
    return true;
  }
  try {
    Json result = evaluate(evaluator, *expression, input);
    task.output_data["result"] = std::move(result);
    task.status = TaskStatus::kCompleted;
  } catch (const ScriptTimeout& e) {
    fail(task, TaskStatus::kFailed, e.what());
  } catch (const ScriptError& e) {
    fail(task, TaskStatus::kFailedWithTerminalError, e.what());
  }
  return true;
}

}  // namespace conductor::detail
