#include "tasks/exclusive_join.hpp"

#include "decider/decider.hpp"
#include "tasks/join.hpp"

#include <algorithm>

namespace conductor::detail {

namespace {

JsonArray to_array(const std::vector<std::string>& refs) {
  JsonArray out;
  for (const auto& ref : refs) out.emplace_back(ref);
  return out;
}

// The first of `refs` that ran: it has a task and that task was not skipped.
const Task* first_run(const Workflow& wf, const std::vector<std::string>& refs) {
  for (const auto& ref : refs) {
    const Task* t = latest_task(wf, ref);
    if (t && t->status != TaskStatus::kSkipped) return t;
  }
  return nullptr;
}

}  // namespace

std::vector<Task> ExclusiveJoinTask::map(const MapperContext& context) const {
  Task join = context.new_task("EXCLUSIVE_JOIN");
  join.task_def_name = "EXCLUSIVE_JOIN";
  join.input_data = {{"joinOn", to_array(context.node.join_on)},
                     {"defaultExclusiveJoinTask", to_array(context.node.default_exclusive_join_task)}};
  join.status = TaskStatus::kInProgress;
  join.start_time = context.now;
  return {std::move(join)};
}

bool ExclusiveJoinTask::execute(Task& join, SystemTaskContext& context) const {
  const Workflow& wf = context.workflow;
  const auto refs = joined_refs(join);
  const Task* decided = first_run(wf, refs);
  bool failed = false;
  if (decided && !is_successful(decided->status)) {
    // A permissive task's failure waits until every joined task has ended.
    const WorkflowTask* node = node_of(wf, *decided);
    failed = !(node && node->permissive) || std::all_of(refs.begin(), refs.end(), [&](const std::string& ref) {
      const Task* t = latest_task(wf, ref);
      return t && is_terminal(t->status);
    });
  }
  // Conductor falls back to the default list whenever the joined task has not ended yet, too.
  if (!decided || !is_terminal(decided->status)) {
    if (const Task* fallback = first_run(wf, input_refs(join, "defaultExclusiveJoinTask"))) {
      decided = fallback;
      failed = !is_successful(decided->status);
    }
  }
  if (failed) {
    join.reason_for_incompletion = decided->reason_for_incompletion.value_or("null") + " ";
    join.status = TaskStatus::kFailed;
    return true;
  }
  if (!decided || !is_terminal(decided->status)) return false;
  join.output_data = decided->output_data;
  join.status = TaskStatus::kCompleted;
  return true;
}

}  // namespace conductor::detail
