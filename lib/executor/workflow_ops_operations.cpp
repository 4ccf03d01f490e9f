// Workflow operations (semantics.md §6): restart, retry, rerun, skip task, reset callbacks, remove,
// and the resumption of parent workflows they share (§6.13).
#include "executor/workflow_ops.hpp"

#include <conductor/error.hpp>

#include "decider/input_resolver.hpp"
#include "decider/navigation.hpp"
#include "engine/engine_core.hpp"
#include "executor/change.hpp"
#include "executor/change_effects.hpp"
#include "tasks/task_handler.hpp"
#include "util/uuid.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace conductor::detail {

namespace {

bool failed_terminal(const Task& t) { return is_terminal(t.status) && !is_successful(t.status); }

// Whether the handler of the task's type answers `query` with yes. Worker types have no handler and
// keep the defaults, which all say no.
bool type_says(const TaskRegistry& registry, const Task& t, bool (TaskHandler::*query)() const) {
  const auto* handler = registry.find_system(t.task_type);
  return handler && (handler->*query)();
}

// Conductor's WorkflowModel.toString, which its rejection messages print.
std::string long_label(const Workflow& wf) { return fmt::format("{}.{}", short_label(wf), to_string(wf.status)); }

// Conductor's IllegalStateException (an unmapped 500 there): the request conflicts with the
// workflow's state, so it is a ConflictError (409) here, with Conductor's message.
ConflictError illegal_state(const std::string& message) { return ConflictError(message); }

void set_status(Workflow& wf, WorkflowStatus status) {
  wf.previous_status = wf.status;
  wf.status = status;
}

// Back to RUNNING without the previous run's failure. endTime is cleared too, so the next ending
// records its own time (Conductor leaves the old value visible until then).
void reopen(Workflow& wf) {
  set_status(wf, WorkflowStatus::kRunning);
  wf.reason_for_incompletion.reset();
  wf.failed_task_id.reset();
  wf.failed_reference_task_names.clear();
  wf.failed_task_names.clear();
  wf.end_time = 0;
}

void reject_unless_ended(const Workflow& wf) {
  if (!is_terminal(wf.status))
    throw ConflictError(fmt::format("Workflow: {} is not in terminal state, unable to rerun.", long_label(wf)));
}

// A FAILED JOIN waits again instead of being retried when one of the tasks it joins on is a permissive,
// non-optional failure: the workflow goes on past permissive failures (§4.2).
bool joins_on_permissive_failure(const Workflow& wf, const Task& join) {
  const auto* join_on = join.input_data.if_contains("joinOn");
  if (!join_on || !join_on->is_array()) return false;
  for (const auto& ref : join_on->as_array()) {
    if (!ref.is_string()) continue;
    auto latest = std::find_if(wf.tasks.rbegin(), wf.tasks.rend(),
                               [&](const Task& t) { return t.reference_task_name == ref.as_string(); });
    if (latest == wf.tasks.rend() || latest->status != TaskStatus::kFailed) continue;
    const auto* node = node_of(wf, *latest);
    if (node && node->permissive && !node->optional) return true;
  }
  return false;
}

WorkflowEvent event_of(std::string_view op) {
  if (op == "restarted") return WorkflowEvent::kRestarted;
  if (op == "retried") return WorkflowEvent::kRetried;
  return WorkflowEvent::kRerun;
}

}  // namespace

void WorkflowOps::notify(Change& s, WorkflowEvent event, const Workflow& wf) {
  if (!wf.workflow_definition->workflow_status_listener_enabled) return;
  s.after_commit([this, event, snapshot = wf] { core_.fire(event, snapshot); });
}

// Conductor's addTaskToQueue. Sync system tasks get no message: nothing serves a queue of theirs, the
// decide loop runs them.
void WorkflowOps::requeue(Change& s, const Task& task) {
  const auto* handler = core_.registry().find_system(task.task_type);
  if (handler && !handler->is_async()) return;
  std::int64_t delay_ms = task.callback_after_ms > 0 ? task.callback_after_ms : task.callback_after_seconds * 1000;
  s.push_task(queue_name(task), task, delay_ms);
}

void WorkflowOps::restart(Change& s, std::string_view workflow_id, bool use_latest_definitions) {
  Workflow wf = load(s, workflow_id);
  if (!is_terminal(wf.status))
    throw ConflictError(fmt::format("Workflow: {} is not in terminal state, unable to restart.", long_label(wf)));
  if (use_latest_definitions) {
    auto latest = s.read([&](Transaction& tx) {
      auto found = tx.metadata().find_workflow_def(wf.workflow_name(), std::nullopt);
      if (found) attach_task_defs(tx.metadata(), *found);
      return found;
    });
    if (!latest) throw NotFoundError(fmt::format("Unable to find latest definition for {}", wf.workflow_id));
    wf.workflow_definition = core_.shared_definitions().share(std::move(*latest));
  }
  if (!wf.workflow_definition->restartable && wf.status == WorkflowStatus::kCompleted)
    throw NotFoundError(fmt::format("Workflow: {} is non-restartable", long_label(wf)));

  s.remove_workflow(wf.workflow_id);
  s.write([id = wf.workflow_id](Transaction& tx) { tx.index().remove_workflow(id); });
  // Input, correlation id, priority, domains and variables stay: the run starts over with them.
  wf.tasks.clear();
  wf.reason_for_incompletion.reset();
  wf.failed_task_id.reset();
  wf.create_time = s.now();
  wf.end_time = 0;
  wf.last_retried_time = 0;
  set_status(wf, WorkflowStatus::kRunning);
  wf.output.clear();
  wf.external_output_payload_storage_path.reset();
  s.insert_workflow(wf);
  s.push_sweep(wf.workflow_id, wf.priority, core_.settings().workflow_offset_timeout_s * 1000);
  notify(s, WorkflowEvent::kRestarted, wf);
  decide(s, wf);
  resume_parents(s, wf, "restarted");
}

void WorkflowOps::retry(Change& s, std::string_view workflow_id, bool resume_subworkflow_tasks) {
  Workflow wf = load(s, workflow_id);
  if (!is_terminal(wf.status))
    throw NotFoundError(fmt::format("Workflow is still running.  status={}", to_string(wf.status)));
  if (wf.tasks.empty()) throw ConflictError("Workflow has not started yet");
  if (resume_subworkflow_tasks) {
    // Retry where the failure happened: in the deepest failed sub-workflow, in place.
    auto first = std::find_if(wf.tasks.begin(), wf.tasks.end(), failed_terminal);
    if (first == wf.tasks.end()) return;
    auto runs_child = [&](const Task& t) { return type_says(core_.registry(), t, &TaskHandler::runs_child_workflow); };
    Task failed = *first;
    for (;;) {
      if (type_says(core_.registry(), failed, &TaskHandler::is_loop)) {
        auto sub = std::find_if(wf.tasks.begin(), wf.tasks.end(),
                                [&](const Task& t) { return runs_child(t) && failed_terminal(t); });
        if (sub == wf.tasks.end()) break;
        failed = *sub;
      }
      if (!runs_child(failed) || !failed_terminal(failed) || !failed.sub_workflow_id) break;
      Workflow child = load(s, *failed.sub_workflow_id);
      auto next = std::find_if(child.tasks.begin(), child.tasks.end(), failed_terminal);
      if (next == child.tasks.end()) break;
      failed = *next;
      wf = std::move(child);
    }
  }
  retry_tasks(s, wf);
  resume_parents(s, wf, "retried");
  decide(s, wf);
}

// §6.5 steps 2-6: new attempts of what failed, the workflow back to RUNNING.
void WorkflowOps::retry_tasks(Change& s, Workflow& wf) {
  auto wait_again = [&](Task& t) {
    t.status = TaskStatus::kInProgress;
    s.mark_dirty(t.task_id);
    requeue(s, t);
  };
  // ref → the latest attempt to retry; a later success of the same ref cancels an earlier failure.
  std::map<std::string, std::string> to_retry;
  for (auto& t : wf.tasks) {
    switch (t.status) {
      case TaskStatus::kFailed:
        if (type_says(core_.registry(), t, &TaskHandler::joins_tasks) && joins_on_permissive_failure(wf, t)) {
          wait_again(t);
          break;
        }
        [[fallthrough]];
      case TaskStatus::kFailedWithTerminalError:
      case TaskStatus::kTimedOut: to_retry[t.reference_task_name] = t.task_id; break;
      case TaskStatus::kCanceled:
        if (type_says(core_.registry(), t, &TaskHandler::resumes_waiting)) {
          wait_again(t);
        } else {
          to_retry[t.reference_task_name] = t.task_id;
        }
        break;
      default: to_retry.erase(t.reference_task_name); break;
    }
  }
  // A workflow that timed out on its own clock may have nothing that failed; it resumes where it stopped.
  if (to_retry.empty() && wf.status != WorkflowStatus::kTimedOut)
    throw ConflictError(
        "There are no retryable tasks! Use restart if you want to attempt entire workflow execution again.");

  set_status(wf, WorkflowStatus::kRunning);
  wf.last_retried_time = s.now();
  wf.reason_for_incompletion.reset();
  wf.end_time = 0;
  s.push_sweep(wf.workflow_id, wf.priority, core_.settings().workflow_offset_timeout_s * 1000);
  notify(s, WorkflowEvent::kRetried, wf);

  std::vector<Task*> failed;
  for (const auto& [ref, id] : to_retry) failed.push_back(find_by_id(wf, id));
  std::sort(failed.begin(), failed.end(), [](const Task* a, const Task* b) { return a->seq < b->seq; });
  InputResolver inputs(wf, core_.properties());
  std::vector<Task> attempts;
  for (Task* old : failed) {
    if (type_says(core_.registry(), *old, &TaskHandler::retried_in_place)) {
      // Operators keep their identity: their children are what gets new attempts.
      old->retry_count += 1;
      old->retried = false;
      wait_again(*old);
      continue;
    }
    Task attempt = *old;
    attempt.task_id = new_uuid();
    attempt.retried_task_id = old->task_id;
    attempt.status = TaskStatus::kScheduled;
    attempt.retry_count = old->retry_count + 1;
    attempt.retried = false;
    attempt.executed = false;
    attempt.poll_count = 0;
    attempt.callback_after_seconds = 0;
    attempt.callback_after_ms = 0;
    attempt.sub_workflow_id.reset();
    attempt.scheduled_time = attempt.start_time = attempt.end_time = attempt.update_time = 0;
    attempt.worker_id.reset();
    attempt.reason_for_incompletion.reset();
    attempt.seq = 0;
    attempt.output_data.clear();
    attempt.external_output_payload_storage_path.reset();
    if (const auto* node = node_of(wf, *old)) {
      auto fresh = inputs.resolve_with_template(node->input_parameters, task_def_of(wf, *old), attempt.task_id);
      for (auto& [key, value] : fresh) attempt.input_data[key] = std::move(value);
    }
    attempt.input_data.erase("subWorkflowId");
    old->retried = true;
    old->executed = true;
    s.mark_dirty(old->task_id);
    attempts.push_back(std::move(attempt));
  }
  try {
    schedule(s, wf, attempts);
  } catch (const TerminateWorkflow& failure) {  // past the tasks bound: it fails again, as a decide would
    return terminate_path(s, wf, failure.termination);
  }
  persist(s, wf);
}

void WorkflowOps::rerun(Change& s, std::string_view workflow_id, const RerunWorkflowRequest& request) {
  Workflow wf = load(s, workflow_id);
  if (request.re_run_from_task_id) {
    if (!rerun_in(s, wf, request))
      throw ValidationError(fmt::format("Task {} not found", *request.re_run_from_task_id));
    return;
  }
  reject_unless_ended(wf);
  for (const auto& t : wf.tasks) s.remove_task(t);
  wf.tasks.clear();
  reopen_for_rerun(s, wf, request, WorkflowEvent::kRerun);
  decide(s, wf);
}

void WorkflowOps::reopen_for_rerun(Change& s, Workflow& wf, const RerunWorkflowRequest& request,
                                   WorkflowEvent event) {
  reopen(wf);
  if (request.correlation_id) wf.correlation_id = request.correlation_id;
  if (request.workflow_input) wf.input = *request.workflow_input;
  s.push_sweep(wf.workflow_id, wf.priority, core_.settings().workflow_offset_timeout_s * 1000);
  persist(s, wf);
  // Conductor resumes the parents before and again after the decide, to keep concurrent decides from
  // reading this workflow half-changed; one transaction has no such window, so once is enough.
  resume_parents(s, wf, "reran");
  notify(s, event, wf);
}

// Rerun from `request.re_run_from_task_id` when that task belongs to `wf` or to one of its
// sub-workflows (searched depth first); false when it is in neither.
bool WorkflowOps::rerun_in(Change& s, Workflow& wf, const RerunWorkflowRequest& request) {
  reject_unless_ended(wf);
  std::string target_id = *request.re_run_from_task_id;
  bool in_child = false;
  if (!find_by_id(wf, target_id)) {
    std::optional<std::string> sub_task_id;
    for (const auto& t : wf.tasks) {
      if (!type_says(core_.registry(), t, &TaskHandler::runs_child_workflow) || !t.sub_workflow_id) continue;
      Workflow child = load(s, *t.sub_workflow_id);
      if (rerun_in(s, child, {.re_run_from_task_id = target_id, .task_input = request.task_input})) {
        sub_task_id = t.task_id;
        break;
      }
    }
    if (!sub_task_id) return false;
    // The child's rerun resumed this workflow through its parent chain: continue from what it stored.
    wf = load(s, wf.workflow_id);
    target_id = *sub_task_id;
    in_child = true;
  }
  finish_rerun(s, wf, target_id, in_child, request);
  return true;
}

// §6.6 from a task: `target_id` is the task itself or, `in_child`, the SUB_WORKFLOW task whose child
// was rerun.
void WorkflowOps::finish_rerun(Change& s, Workflow& wf, const std::string& target_id, bool in_child,
                               const RerunWorkflowRequest& request) {
  reopen_for_rerun(s, wf, request, WorkflowEvent::kRetried);  // Conductor's event for a rerun from a task (quirk)

  // Later tasks go: the run continues from the target as if they never happened.
  const int target_seq = find_by_id(wf, target_id)->seq;
  std::erase_if(wf.tasks, [&](const Task& t) {
    if (t.seq <= target_seq) return false;
    s.remove_task(t);
    s.remove_message(queue_name(t), t.task_id);
    return true;
  });
  Task& target = *find_by_id(wf, target_id);
  const auto* node = node_of(wf, target);
  if (!in_child && node && core_.registry().mapper_for(*node).remapped_on_rerun()) {
    // A dynamic fork is mapped again from its current input: a fresh fork, branches and join. The
    // node is copied first: it may live in the task about to go.
    const WorkflowTask fork_node = *node;
    s.remove_task(target);
    std::erase_if(wf.tasks, [&](const Task& t) { return t.task_id == target_id; });
    InputResolver inputs(wf, core_.properties());
    std::vector<Task> mapped;
    try {
      mapped = map_node(wf, fork_node, 0, env(s, inputs));
      apply_domains(s, wf, mapped);
      schedule(s, wf, mapped);
    } catch (TerminateWorkflow& failure) {  // the new input cannot be forked: it fails as a decide would
      return terminate_path(s, wf, failure.termination);
    }
    return decide(s, wf);
  }

  target.scheduled_time = s.now();
  target.start_time = target.update_time = target.end_time = 0;
  target.output_data.clear();
  target.retried = target.executed = false;
  target.poll_count = 0;
  s.mark_dirty(target.task_id);
  const auto* handler = core_.registry().find_system(target.task_type);
  if (in_child) {
    // The rerun happens inside the child; this task follows it again.
    target.status = TaskStatus::kInProgress;
    target.start_time = s.now();
    target.reason_for_incompletion.reset();
    return decide(s, wf);
  }
  if (handler && handler->runs_child_workflow()) {
    // A fresh child replaces the old one, started right away.
    target.sub_workflow_id.reset();
    target.status = TaskStatus::kScheduled;
    ChangeEffects effects(*this, s);
    SystemTaskContext context{wf, s.now(), effects};
    target.start_time = s.now();
    handler->start(target, context);
    if (target.status == TaskStatus::kScheduled) requeue(s, target);
  } else {
    if (request.task_input) target.input_data = *request.task_input;
    if (handler && !handler->is_async()) {
      ChangeEffects effects(*this, s);
      SystemTaskContext context{wf, s.now(), effects};
      target.start_time = s.now();
      handler->start(target, context);
    } else {
      target.status = TaskStatus::kScheduled;
      requeue(s, target);
    }
  }

  // Whatever else ended unsuccessfully runs again in place.
  for (auto& t : wf.tasks) {
    if (t.reference_task_name == target.reference_task_name || t.retried || !failed_terminal(t)) continue;
    const auto* other = core_.registry().find_system(t.task_type);
    if (other && (other->resumes_waiting() || !other->is_async())) {
      t.status = TaskStatus::kInProgress;
    } else {
      if (other && other->runs_child_workflow()) t.sub_workflow_id.reset();
      t.status = TaskStatus::kScheduled;
    }
    t.executed = false;
    t.start_time = s.now();
    t.end_time = 0;
    t.reason_for_incompletion.reset();
    s.mark_dirty(t.task_id);
    requeue(s, t);
  }
  decide(s, wf);
}

void WorkflowOps::skip_task(Change& s, std::string_view workflow_id, std::string_view ref,
                            const SkipTaskRequest& request) {
  Workflow wf = load(s, workflow_id);
  if (wf.status != WorkflowStatus::kRunning)
    throw illegal_state(fmt::format("The workflow {} is not running so the task referenced by {} cannot be skipped",
                                    workflow_id, ref));
  const WorkflowTask* node = find_node(*wf.workflow_definition, ref);
  if (!node)
    throw illegal_state(fmt::format("The task referenced by {} does not exist in the WorkflowDefinition {}", ref,
                                    wf.workflow_name()));
  if (std::any_of(wf.tasks.begin(), wf.tasks.end(), [&](const Task& t) { return t.reference_task_name == ref; }))
    throw illegal_state(fmt::format("The task referenced {} has already been processed, cannot be skipped", ref));

  Task skipped;
  skipped.task_id = new_uuid();
  skipped.reference_task_name = std::string(ref);
  skipped.workflow_instance_id = wf.workflow_id;
  skipped.workflow_priority = wf.priority;
  skipped.status = TaskStatus::kSkipped;
  skipped.end_time = s.now();
  skipped.task_type = node->name;
  skipped.task_def_name = node->name;
  skipped.correlation_id = wf.correlation_id;
  skipped.input_data = request.task_input.value_or(JsonObject{});
  skipped.output_data = request.task_output.value_or(JsonObject{});
  // No seq: it stays 0, so the skipped task lists before every scheduled one (Conductor's quirk).
  s.insert_task(skipped);
  auto position = std::find_if(wf.tasks.begin(), wf.tasks.end(), [](const Task& t) { return t.seq > 0; });
  wf.tasks.insert(position, std::move(skipped));
  decide(s, wf);
}

void WorkflowOps::reset_callbacks(Change& s, std::string_view workflow_id) {
  Workflow wf = load(s, workflow_id);
  if (is_terminal(wf.status))
    throw ConflictError(fmt::format("Workflow is in terminal state. Status = {}", to_string(wf.status)));
  for (auto& t : wf.tasks) {
    if (core_.registry().is_system(t.task_type) || t.status != TaskStatus::kScheduled || t.callback_after_seconds <= 0)
      continue;
    // Only a message still waiting is moved; the push makes it deliverable now and wakes pollers.
    if (!s.queued(queue_name(t), t.task_id)) continue;
    s.push_task(queue_name(t), t, 0);
    t.callback_after_seconds = 0;
    write_task(s, t);
  }
}

void WorkflowOps::remove(Change& s, std::string_view workflow_id, bool archive) {
  Workflow wf = load(s, workflow_id);
  if (archive) {
    // Archiving keeps the search-index entries (the SQLite index has no separate archive).
    if (!is_terminal(wf.status))
      throw ValidationError(fmt::format("Cannot archive workflow: {} with status: {}", wf.workflow_id,
                                        to_string(wf.status)));
    for (const auto& t : wf.tasks) {
      if (!is_terminal(t.status) && t.status != TaskStatus::kScheduled)
        throw ValidationError(fmt::format("Cannot archive task: {} of workflow: {} with non-terminal status: {}",
                                          t.task_id, wf.workflow_id, to_string(t.status)));
    }
  } else {
    s.write([id = wf.workflow_id](Transaction& tx) { tx.index().remove_workflow(id); });
  }
  for (const auto& t : wf.tasks) s.remove_message(queue_name(t), t.task_id);
  s.remove_workflow(wf.workflow_id);
  s.remove_message(kDeciderQueue, wf.workflow_id);
}

// §6.13: a retried, restarted or rerun child brings its ancestors back to RUNNING, each with its
// SUB_WORKFLOW task waiting on the child again.
void WorkflowOps::resume_parents(Change& s, const Workflow& wf, std::string_view op) {
  std::optional<std::string> parent_id = wf.parent_workflow_id;
  std::optional<std::string> parent_task_id = wf.parent_workflow_task_id;
  std::string label = short_label(wf);
  std::string chain;
  while (parent_id && parent_task_id) {
    auto parent = s.find_workflow(*parent_id, true);
    if (!parent) break;
    Task* task = find_by_id(*parent, *parent_task_id);
    // Gone after a restart of the parent, optional (its failure never stopped the parent), or an
    // attempt the parent has already replaced: nothing to resume.
    const WorkflowTask* node = task ? node_of(*parent, *task) : nullptr;
    if (!node || node->optional || task->retried) break;
    task->status = TaskStatus::kInProgress;
    task->reason_for_incompletion.reset();
    task->subworkflow_changed = true;
    s.mark_dirty(task->task_id);
    chain = chain.empty() ? label : fmt::format("{} -> {}", label, chain);
    s.write([log = TaskExecLog{fmt::format("Sub workflow {} {}.", chain, op), task->task_id, s.now()}](Transaction& tx) {
      tx.execution().add_task_logs({log});
    });

    reopen(*parent);
    parent->last_retried_time = s.now();
    repair_parent_tasks(s, *parent, task->task_id);
    s.push_sweep(parent->workflow_id, parent->priority, 0);
    persist(s, *parent);
    notify(s, event_of(op), *parent);
    decide(s, *parent);

    label = short_label(*parent);
    parent_id = parent->parent_workflow_id;
    parent_task_id = parent->parent_workflow_task_id;
  }
}

// §6.13 step 4: the parent's other unsuccessful tasks are brought back so it can complete.
void WorkflowOps::repair_parent_tasks(Change& s, Workflow& parent, const std::string& chain_task_id) {
  for (auto& t : parent.tasks) {
    if (t.task_id == chain_task_id || t.retried || !failed_terminal(t)) continue;
    if (type_says(core_.registry(), t, &TaskHandler::runs_child_workflow) && t.sub_workflow_id) {
      auto child = s.find_workflow(*t.sub_workflow_id, true);
      if (!child) continue;
      if (child->status == WorkflowStatus::kRunning) {
        t.subworkflow_changed = true;
      } else if (std::any_of(child->tasks.begin(), child->tasks.end(), failed_terminal)) {
        retry_tasks(s, *child);
      } else {
        continue;
      }
      t.status = TaskStatus::kInProgress;
      s.mark_dirty(t.task_id);
    } else if (t.status == TaskStatus::kCanceled && type_says(core_.registry(), t, &TaskHandler::resumes_waiting)) {
      t.status = TaskStatus::kInProgress;
      s.mark_dirty(t.task_id);
      requeue(s, t);
    } else if (t.status == TaskStatus::kCanceled) {
      t.retry_count += 1;
      t.reason_for_incompletion.reset();
      t.poll_count = 0;
      t.worker_id.reset();
      t.scheduled_time = s.now();
      t.start_time = t.end_time = 0;
      t.retried = t.executed = false;
      t.status = TaskStatus::kScheduled;
      s.mark_dirty(t.task_id);
      requeue(s, t);
    }
  }
}

}  // namespace conductor::detail
