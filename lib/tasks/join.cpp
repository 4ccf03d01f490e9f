#include "tasks/join.hpp"

#include "decider/decider.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace conductor::detail {

namespace {

// Conductor's systemTaskPostponeThreshold and the cap of its evaluation offset (the system task
// callback duration).
constexpr int kPostponeThreshold = 200;
constexpr std::int64_t kMaxOffsetSeconds = 30;

bool flag(const WorkflowTask* node, bool WorkflowTask::*field) { return node && node->*field; }

}  // namespace

std::vector<std::string> input_refs(const Task& task, std::string_view key) {
  std::vector<std::string> refs;
  const auto* list = task.input_data.if_contains(key);
  if (!list || !list->is_array()) return refs;
  for (const auto& ref : list->get_array())
    if (ref.is_string()) refs.emplace_back(ref.get_string());
  return refs;
}

std::vector<std::string> joined_refs(const Task& join) {
  auto refs = input_refs(join, "joinOn");
  if (join.iteration > 0)
    for (auto& ref : refs) ref += fmt::format("__{}", join.iteration);
  return refs;
}

std::vector<Task> JoinTask::map(const MapperContext& context) const {
  Task join = context.new_task("JOIN");
  join.task_def_name = "JOIN";
  JsonArray join_on;
  for (const auto& ref : context.node.join_on) join_on.emplace_back(ref);
  join.input_data = {{"joinOn", std::move(join_on)}};
  join.status = TaskStatus::kInProgress;
  join.start_time = context.now;
  if (context.task_def) join.isolation_group_id = context.task_def->isolation_group_id;
  return {std::move(join)};
}

bool JoinTask::execute(Task& join, SystemTaskContext& context) const {
  const Workflow& wf = context.workflow;
  const auto refs = joined_refs(join);
  // One pass over the tasks: a dynamic fork may join on thousands of them.
  std::unordered_map<std::string_view, const Task*> latest;
  for (const auto& t : wf.tasks) latest[t.reference_task_name] = &t;
  std::vector<const Task*> forked;
  for (const auto& ref : refs) {
    auto it = latest.find(ref);
    forked.push_back(it == latest.end() ? nullptr : it->second);
  }
  const bool all_terminal =
      std::all_of(forked.begin(), forked.end(), [](const Task* t) { return t && is_terminal(t->status); });

  JsonObject output = join.output_data;
  std::string optional_failures;
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const Task* t = forked[i];
    if (!t) continue;
    if (!t->output_data.empty()) output[refs[i]] = t->output_data;
    const WorkflowTask* node = node_of(wf, *t);
    const bool optional = flag(node, &WorkflowTask::optional);
    // A permissive branch lets the others finish before its failure fails the JOIN.
    if (!is_successful(t->status) && !optional && (!flag(node, &WorkflowTask::permissive) || all_terminal)) {
      std::string reasons;
      bool only_canceled = true;
      for (const Task* f : forked) {
        if (!f || is_successful(f->status)) continue;
        if (!reasons.empty()) reasons += ' ';
        reasons += f->reason_for_incompletion.value_or("null");  // Java joins a missing reason as "null"
        if (!flag(node_of(wf, *f), &WorkflowTask::optional) && f->status != TaskStatus::kCanceled)
          only_canceled = false;
      }
      join.output_data = std::move(output);
      join.reason_for_incompletion = std::move(reasons);
      join.status = only_canceled ? TaskStatus::kCanceled : TaskStatus::kFailed;
      return true;
    }
    if (optional && t->status == TaskStatus::kCompletedWithErrors)
      optional_failures += fmt::format("{}/{} ", t->task_def_name, t->task_id);
  }
  if (all_terminal) {
    join.output_data = std::move(output);
    if (optional_failures.empty()) {
      join.status = TaskStatus::kCompleted;
    } else {
      join.status = TaskStatus::kCompletedWithErrors;
      join.reason_for_incompletion = optional_failures + "completed with errors";
    }
    return true;
  }
  if (output == join.output_data) return false;
  join.output_data = std::move(output);
  return true;
}

// Conductor re-evaluates a waiting JOIN at every 50 ms poll for its first 200 evaluations, then backs
// off to 1.2^(n-200) s, at most 30 s; SYNC mode never backs off. Here every decide and every lazy
// update already evaluates the JOINs it concerns, so the queue is a safety net: the same curve, never
// sooner than one second, which also keeps a zero offset from spinning the sweeper.
std::int64_t JoinTask::evaluation_offset_seconds(const Task& join, EpochMillis /*now*/) const {
  const bool sync = join.workflow_task && join.workflow_task->join_mode == JoinMode::kSync;
  const int excess = join.poll_count - kPostponeThreshold;
  std::int64_t offset = 0;
  if (!sync && excess > 0) {
    // 1.2^19 already exceeds the cap; stopping there keeps pow() finite.
    offset = excess >= 19 ? kMaxOffsetSeconds
                          : std::min(static_cast<std::int64_t>(std::pow(1.2, excess)), kMaxOffsetSeconds);
  }
  return std::max<std::int64_t>(offset, 1);
}

bool JoinTask::joins_lazily_on(const WorkflowTask& node, std::string_view ref) const {
  return std::find(node.join_on.begin(), node.join_on.end(), ref) != node.join_on.end();
}

}  // namespace conductor::detail
