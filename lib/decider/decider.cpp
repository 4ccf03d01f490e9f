#include "decider/decider.hpp"

#include "decider/input_resolver.hpp"
#include "decider/navigation.hpp"
#include "tasks/task_handler.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <set>
#include <unordered_set>

namespace conductor::detail {

namespace {

// Worker types have no handler and never end the workflow by themselves.
bool ends_workflow(const TaskRegistry& registry, const Task& task) {
  const auto* handler = registry.find_system(task.task_type);
  return handler && handler->ends_workflow(task);
}

// Table 1.3: the workflow status when a task fails for good.
WorkflowStatus workflow_status_for(TaskStatus status) {
  switch (status) {
    case TaskStatus::kCanceled: return WorkflowStatus::kTerminated;
    case TaskStatus::kTimedOut: return WorkflowStatus::kTimedOut;
    default: return WorkflowStatus::kFailed;
  }
}

std::string_view policy_name(TaskTimeoutPolicy p) { return to_string(p); }

// Ordered ref → task map: insertion order matters for scheduling order.
class ScheduleMap {
 public:
  bool contains(const std::string& ref) const { return index_.count(ref) != 0; }
  void put_if_absent(Task task) {
    if (!contains(task.reference_task_name)) insert(std::move(task));
  }
  void put(Task task) {
    auto it = index_.find(task.reference_task_name);
    if (it == index_.end()) return insert(std::move(task));
    tasks_[it->second] = std::move(task);
  }
  std::vector<Task> take_except(const std::unordered_set<std::string>& excluded) {
    std::vector<Task> out;
    for (auto& t : tasks_)
      if (!excluded.count(t.reference_task_name)) out.push_back(std::move(t));
    return out;
  }

 private:
  void insert(Task task) {
    index_.emplace(task.reference_task_name, tasks_.size());
    tasks_.push_back(std::move(task));
  }
  std::vector<Task> tasks_;
  std::unordered_map<std::string, std::size_t> index_;
};

class Evaluation {
 public:
  Evaluation(const Workflow& workflow, const DeciderEnv& env) : wf_(workflow), env_(env), tasks_(workflow.tasks) {}

  DeciderOutcome run();

 private:
  bool has_skipped(std::string_view ref) const {
    return std::any_of(tasks_.begin(), tasks_.end(), [&](const Task& t) {
      return t.reference_task_name == ref && t.status == TaskStatus::kSkipped;
    });
  }
  const WorkflowTask* next_unskipped(const WorkflowTask* node) const {
    while (node && has_skipped(node->task_reference_name)) node = next_node(*wf_.workflow_definition, node->task_reference_name);
    return node;
  }
  std::vector<Task> start_tasks();
  std::vector<Task> next_tasks(const Task& task);
  bool check_timeouts(Task& task, const TaskDef& def);
  void apply_timeout_policy(Task& task, const TaskDef& def, std::string reason);
  std::optional<Task> retry(Task& task, const TaskDef* def, const WorkflowTask* node);
  bool completion_check() const;
  void check_workflow_timeout() const;
  void mark_updated(const Task& task) { updated_.insert(task.task_id); }

  const Workflow& wf_;
  const DeciderEnv& env_;
  std::vector<Task> tasks_;  // working copy; changed entries are reported in to_update
  std::set<std::string> updated_;
};

void Evaluation::check_workflow_timeout() const {
  const auto& def = *wf_.workflow_definition;
  if (def.timeout_seconds <= 0) return;
  EpochMillis since = wf_.last_retried_time > 0 ? wf_.last_retried_time : wf_.create_time;
  std::int64_t elapsed = (env_.now - since) / 1000;
  if (elapsed < def.timeout_seconds || def.timeout_policy != WorkflowTimeoutPolicy::kTimeOutWf) return;
  throw TerminateWorkflow{{WorkflowStatus::kTimedOut,
                         fmt::format("Workflow timed out after {} seconds. Timeout configured as {} seconds. Timeout "
                                     "policy configured to TIME_OUT_WF",
                                     elapsed, def.timeout_seconds),
                         {}, {}}};
}

std::vector<Task> Evaluation::start_tasks() {
  const auto& def = *wf_.workflow_definition;
  if (def.tasks.empty())
    throw TerminateWorkflow{{WorkflowStatus::kCompleted, "No tasks found to be executed", {}, {}}};
  const WorkflowTask* node = next_unskipped(&def.tasks.front());
  if (!node) return {};
  return map_node(wf_, *node, 0, env_);
}

std::vector<Task> Evaluation::next_tasks(const Task& task) {
  const auto* handler = env_.registry.find_system(task.task_type);
  if (handler && handler->leads_into_branch(task)) return {};
  auto ref = base_ref(task);
  const WorkflowTask* node = next_unskipped(next_node(*wf_.workflow_definition, ref));
  if (!node) return {};
  if (env_.registry.mapper_for(*node).is_loop() && std::any_of(tasks_.begin(), tasks_.end(), [&](const Task& t) {
        return t.reference_task_name == node->task_reference_name;
      }))
    return {};
  return map_node(wf_, *node, 0, env_);
}

void Evaluation::apply_timeout_policy(Task& task, const TaskDef& def, std::string reason) {
  switch (def.timeout_policy) {
    case TaskTimeoutPolicy::kAlertOnly: return;
    case TaskTimeoutPolicy::kRetry:
      task.status = TaskStatus::kTimedOut;
      task.reason_for_incompletion = std::move(reason);
      mark_updated(task);
      return;
    case TaskTimeoutPolicy::kTimeOutWf:
      task.status = TaskStatus::kTimedOut;
      task.reason_for_incompletion = reason;
      mark_updated(task);
      throw TerminateWorkflow{{WorkflowStatus::kTimedOut, std::move(reason), task.task_id, {}}};
  }
}

// Semantics §4.5, in Conductor's order. Returns true when the task changed.
bool Evaluation::check_timeouts(Task& task, const TaskDef& def) {
  const auto now = env_.now;
  const std::string policy{policy_name(def.timeout_policy)};
  if (def.total_timeout_seconds > 0 && !is_terminal(task.status) && task.first_scheduled_time > 0) {
    std::int64_t elapsed = (now - task.first_scheduled_time) / 1000;
    if (elapsed >= def.total_timeout_seconds) {
      apply_timeout_policy(task, def,
                           fmt::format("Task {}/{} exceeded total timeout of {} seconds (elapsed {} seconds across all "
                                       "attempts including retry delays). Timeout policy: {}",
                                       task.task_def_name, task.task_id, def.total_timeout_seconds, elapsed, policy));
    }
  }
  if (def.timeout_seconds > 0 && !is_terminal(task.status) && task.start_time > 0) {
    std::int64_t elapsed_ms = now - (task.start_time + task.start_delay_in_seconds * 1000LL);
    if (elapsed_ms >= def.timeout_seconds * 1000) {
      apply_timeout_policy(task, def,
                           fmt::format("Task timed out after {} seconds. Timeout configured as {} seconds. Timeout "
                                       "policy configured to {}",
                                       elapsed_ms / 1000, def.timeout_seconds, policy));
    }
  }
  if (def.poll_timeout_seconds && *def.poll_timeout_seconds > 0 && task.status == TaskStatus::kScheduled) {
    std::int64_t elapsed_ms = now - (task.scheduled_time + task.start_delay_in_seconds * 1000LL);
    if (elapsed_ms >= (*def.poll_timeout_seconds + task.callback_after_seconds) * 1000) {
      apply_timeout_policy(task, def,
                           fmt::format("Task poll timed out after {} seconds. Poll timeout configured as {} seconds. "
                                       "Timeout policy configured to {}",
                                       elapsed_ms / 1000, *def.poll_timeout_seconds, policy));
    }
  }
  if (def.response_timeout_seconds != 0 && task.status == TaskStatus::kInProgress) {
    const auto* handler = env_.registry.find_system(task.task_type);
    bool async_complete_system = handler && handler->is_async_complete(task);
    if (!async_complete_system &&
        now - task.update_time >= (def.response_timeout_seconds + task.callback_after_seconds) * 1000) {
      task.status = TaskStatus::kTimedOut;
      task.reason_for_incompletion = fmt::format("responseTimeout: {} exceeded for the taskId: {} with Task Definition: {}",
                                                 def.response_timeout_seconds, task.task_id, task.task_def_name);
      mark_updated(task);
    }
  }
  return updated_.count(task.task_id) != 0;
}

std::optional<Task> Evaluation::retry(Task& task, const TaskDef* def, const WorkflowTask* node) {
  int allowed = node && node->retry_count ? *node->retry_count : (def ? def->retry_count : 0);
  bool optional_or_permissive = node && (node->optional || node->permissive);
  const auto* handler = env_.registry.find_system(task.task_type);
  bool type_retries = !handler || handler->retries_on_failure();
  if (!is_retriable(task.status) || !type_retries || task.retry_count >= allowed) {
    if (optional_or_permissive) return std::nullopt;
    auto status = workflow_status_for(task.status);
    throw TerminateWorkflow{{status,
                           fmt::format("Task {} failed with status: {} and reason: '{}'", task.task_id, to_string(status),
                                       task.reason_for_incompletion.value_or("")),
                           task.task_id, task.task_id}};
  }
  if (def && def->total_timeout_seconds > 0) {
    std::int64_t elapsed = (env_.now - task.first_scheduled_time) / 1000;
    if (elapsed >= def->total_timeout_seconds) {
      throw TerminateWorkflow{
          {task.status == TaskStatus::kTimedOut ? WorkflowStatus::kTimedOut : WorkflowStatus::kFailed,
           fmt::format("Task {}/{} exceeded total timeout of {} seconds (elapsed {} seconds across all attempts). No "
                       "further retries will be attempted.",
                       task.task_id, task.task_def_name, def->total_timeout_seconds, elapsed),
           task.task_id, task.task_id}};
    }
  }
  std::int64_t delay = 0;
  if (def) {
    const std::int64_t base = def->retry_delay_seconds;
    switch (def->retry_logic) {
      case RetryLogic::kFixed: delay = base; break;
      case RetryLogic::kLinearBackoff: delay = base * def->backoff_scale_factor * (task.retry_count + 1LL); break;
      case RetryLogic::kExponentialBackoff:
        delay = task.retry_count >= 62 ? INT_MAX : base * (std::int64_t{1} << task.retry_count);
        break;
    }
    delay = std::clamp<std::int64_t>(delay, 0, INT_MAX);
    if (def->max_retry_delay_seconds > 0) delay = std::min<std::int64_t>(delay, def->max_retry_delay_seconds);
  }
  int jitter = def && def->backoff_jitter_ms > 0 ? env_.jitter(def->backoff_jitter_ms) : 0;

  task.retried = true;
  mark_updated(task);

  Task attempt = task;
  attempt.task_id = env_.new_id();
  attempt.retried_task_id = task.task_id;
  attempt.status = TaskStatus::kScheduled;
  attempt.retry_count = task.retry_count + 1;
  attempt.retried = false;
  attempt.executed = false;
  attempt.poll_count = 0;
  attempt.seq = 0;
  attempt.scheduled_time = attempt.start_time = attempt.end_time = attempt.update_time = 0;
  attempt.worker_id.reset();
  attempt.output_data.clear();
  attempt.start_delay_in_seconds = static_cast<int>(delay);
  attempt.callback_after_seconds = delay;
  attempt.callback_after_ms = delay * 1000 + jitter;
  attempt.sub_workflow_id.reset();
  attempt.input_data.erase("subWorkflowId");
  if (node) {
    auto fresh = env_.inputs.resolve_with_template(node->input_parameters, def, attempt.task_id);
    for (auto& [k, v] : fresh) attempt.input_data[k] = std::move(v);
  }
  return attempt;
}

// Semantics §2.9.
bool Evaluation::completion_check() const {
  if (tasks_.empty()) return false;
  std::unordered_map<std::string, TaskStatus> status_by_ref;
  for (const auto& t : tasks_) {
    if (!is_terminal(t.status)) return false;
    if (ends_workflow(env_.registry, t)) return true;
    status_by_ref[t.reference_task_name] = t.status;
  }
  for (const auto& node : wf_.workflow_definition->tasks) {
    auto it = status_by_ref.find(node.task_reference_name);
    if (it == status_by_ref.end() || !is_terminal(it->second)) return false;
  }
  for (const auto& t : tasks_) {
    if (t.retried && t.executed) continue;
    // By the full reference name, as Conductor does: a loop iteration's `ref__N` names no node, so
    // its successors (named `next__N`) are the DO_WHILE's business, not this check's.
    const WorkflowTask* next = next_unskipped(next_node(*wf_.workflow_definition, t.reference_task_name));
    if (next && !status_by_ref.count(next->task_reference_name)) return false;
  }
  return true;
}

DeciderOutcome Evaluation::run() {
  DeciderOutcome outcome;
  if (is_terminal(wf_.status)) return outcome;
  try {
    bool unprocessed = std::any_of(tasks_.begin(), tasks_.end(),
                                   [](const Task& t) { return t.status != TaskStatus::kSkipped && !t.executed; });
    std::vector<Task> pre = unprocessed ? std::vector<Task>{} : start_tasks();
    check_workflow_timeout();
    if (wf_.status == WorkflowStatus::kPaused) return outcome;

    std::unordered_set<std::string> executed_refs;
    const Task* terminate_task = nullptr;
    for (const auto& t : tasks_) {
      if (t.executed) executed_refs.insert(t.reference_task_name);
      if (!terminate_task && ends_workflow(env_.registry, t)) terminate_task = &t;
    }
    ScheduleMap to_schedule;
    for (auto& t : pre) to_schedule.put_if_absent(std::move(t));

    for (std::size_t i = 0; i < tasks_.size(); ++i) {
      Task& task = tasks_[i];
      if (task.retried || task.status == TaskStatus::kSkipped || task.executed) continue;
      const auto* handler = env_.registry.find_system(task.task_type);
      if (handler && !is_terminal(task.status)) {
        to_schedule.put_if_absent(task);
        executed_refs.erase(task.reference_task_name);
      }
      const WorkflowTask* node = node_of(wf_, task);
      const TaskDef* def = task_def_of(wf_, task);
      if (def) check_timeouts(task, *def);
      if (is_terminal(task.status) && !is_successful(task.status)) {
        if (auto attempt = retry(task, def, node)) {
          executed_refs.erase(attempt->reference_task_name);
          to_schedule.put(std::move(*attempt));
        } else if (!(node && node->permissive && !node->optional)) {
          task.status = TaskStatus::kCompletedWithErrors;
          mark_updated(task);
        }
      }
      if (!task.executed && !task.retried && is_terminal(task.status)) {
        task.executed = true;
        mark_updated(task);
        // What follows a task of a loop's body belongs to the same iteration; the loop task has none.
        const bool in_iteration = task.iteration > 0 && !(handler && handler->is_loop());
        for (auto& next : next_tasks(task)) {
          if (in_iteration) {
            next.reference_task_name += fmt::format("__{}", task.iteration);
            next.iteration = task.iteration;
            bool exists = std::any_of(tasks_.begin(), tasks_.end(), [&](const Task& t) {
              return t.reference_task_name == next.reference_task_name &&
                     (t.status == TaskStatus::kInProgress || is_terminal(t.status));
            });
            if (exists) continue;
          }
          to_schedule.put_if_absent(std::move(next));
        }
      }
    }

    outcome.to_schedule = to_schedule.take_except(executed_refs);
    for (const auto& t : tasks_)
      if (updated_.count(t.task_id)) outcome.to_update.push_back(t);

    if (terminate_task || (outcome.to_schedule.empty() && completion_check())) {
      // Permissive tasks let the workflow go on; at the end, their failures fail it.
      std::unordered_map<std::string, const Task*> latest;
      for (const auto& t : tasks_) {
        const auto* node = node_of(wf_, t);
        if (!node || !node->permissive || node->optional) continue;
        auto& slot = latest[t.reference_task_name];
        if (!slot || t.retry_count > slot->retry_count) slot = &t;
      }
      std::string reasons;
      std::optional<std::string> failed_id;
      for (const auto& t : tasks_) {
        auto it = latest.find(t.reference_task_name);
        if (it == latest.end() || it->second != &t || !is_terminal(t.status) || is_successful(t.status)) continue;
        if (!reasons.empty()) reasons += ". ";
        reasons += fmt::format("Task {} failed with status: {} and reason: '{}'", t.task_id, to_string(t.status),
                               t.reason_for_incompletion.value_or(""));
        if (!failed_id) failed_id = t.task_id;
      }
      if (!reasons.empty()) throw TerminateWorkflow{{WorkflowStatus::kFailed, reasons, failed_id, {}}};
      outcome.complete = true;
      if (terminate_task) outcome.terminate_task_id = terminate_task->task_id;
    }
  } catch (TerminateWorkflow& signal) {
    outcome.to_schedule.clear();
    outcome.to_update.clear();
    for (const auto& t : tasks_)
      if (updated_.count(t.task_id)) outcome.to_update.push_back(t);
    outcome.complete = false;
    outcome.terminate = std::move(signal.termination);
  }
  return outcome;
}

}  // namespace

const WorkflowTask* node_of(const Workflow& workflow, const Task& task) {
  if (task.workflow_task) return &*task.workflow_task;
  return find_node(*workflow.workflow_definition, base_ref(task));
}

const Task* latest_task(const Workflow& workflow, std::string_view ref) {
  auto it = std::find_if(workflow.tasks.rbegin(), workflow.tasks.rend(),
                         [&](const Task& t) { return t.reference_task_name == ref; });
  return it == workflow.tasks.rend() ? nullptr : &*it;
}

const TaskDef* task_def_of(const Workflow& workflow, const Task& task) {
  const auto* node = node_of(workflow, task);
  return node && node->task_definition ? &*node->task_definition : nullptr;
}

std::vector<Task> map_node(const Workflow& workflow, const WorkflowTask& node, int retry_count, const DeciderEnv& env) {
  MapperContext context{workflow,
                        node,
                        node.task_definition ? &*node.task_definition : nullptr,
                        env.new_id(),
                        retry_count,
                        env.now,
                        env.inputs,
                        [&](const WorkflowTask& child) { return map_node(workflow, child, retry_count, env); },
                        &env.registry,
                        env.find_task_def,
                        env.limits,
                        env.definitions};
  auto tasks = env.registry.mapper_for(node).map(context);
  std::erase_if(tasks, [&](const Task& mapped) {
    return std::any_of(workflow.tasks.begin(), workflow.tasks.end(), [&](const Task& t) {
      return t.reference_task_name == mapped.reference_task_name &&
             (t.status == TaskStatus::kInProgress || is_terminal(t.status));
    });
  });
  return tasks;
}

DeciderOutcome decide(const Workflow& workflow, const DeciderEnv& env) { return Evaluation(workflow, env).run(); }

JsonObject workflow_output(const Workflow& workflow, const TaskRegistry& registry, InputResolver& inputs,
                           const Task* last_task) {
  for (const auto& t : workflow.tasks)
    if (ends_workflow(registry, t)) return t.output_data;
  const auto& params = workflow.workflow_definition->output_parameters;
  if (!params.empty()) return inputs.resolve(params);
  if (last_task) return last_task->output_data;
  return workflow.tasks.empty() ? JsonObject{} : workflow.tasks.back().output_data;
}

}  // namespace conductor::detail
