#include "tasks/lambda.hpp"

#include "script/evaluator.hpp"
#include "script/javascript.hpp"
#include "tasks/inline.hpp"

#include <fmt/format.h>

namespace conductor::detail {

std::vector<Task> LambdaTask::map(const MapperContext& context) const { return {map_script_task(context, type())}; }

bool LambdaTask::execute(Task& task, SystemTaskContext& /*context*/) const {
  auto script = non_blank_string(task.input_data, "scriptExpression");
  if (!script) {
    task.status = TaskStatus::kFailed;
    task.reason_for_incompletion =
        "Empty 'scriptExpression' in Lambda task's input parameters. A non-empty String value must be provided.";
    return true;
  }
  try {
    task.output_data["result"] =
        evaluate_javascript(fmt::format("function scriptFun(){{{}}} scriptFun();", *script), task.input_data);
    task.status = TaskStatus::kCompleted;
  } catch (const ScriptError& e) {
    task.status = TaskStatus::kFailed;
    task.reason_for_incompletion = e.what();
    task.output_data["error"] = e.what();
  }
  return true;
}

}  // namespace conductor::detail
