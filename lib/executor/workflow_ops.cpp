#include "executor/workflow_ops.hpp"

#include <conductor/codec.hpp>
#include <conductor/error.hpp>

#include "decider/input_resolver.hpp"
#include "decider/navigation.hpp"
#include "engine/engine_core.hpp"
#include "events/status_events.hpp"
#include "util/stopwatch.hpp"
#include "metadata_validation.hpp"
#include "executor/caller_payloads.hpp"
#include "executor/change.hpp"
#include "executor/change_effects.hpp"
#include "executor/summaries.hpp"
#include "executor/task_logs.hpp"
#include "tasks/task_handler.hpp"
#include "util/uuid.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>
#include <unordered_map>

namespace conductor::detail {

namespace {

constexpr int kExpeditePriority = 10;
// A decide loop of sync system tasks stops and re-queues itself after this many passes (Conductor
// bounds it by the lock lease) so one long DO_WHILE cannot hold the writer indefinitely.
constexpr int kMaxDecidePasses = 200;

TaskStatus to_task_status(TaskResultStatus s) {
  switch (s) {
    case TaskResultStatus::kInProgress: return TaskStatus::kInProgress;
    case TaskResultStatus::kFailed: return TaskStatus::kFailed;
    case TaskResultStatus::kFailedWithTerminalError: return TaskStatus::kFailedWithTerminalError;
    case TaskResultStatus::kCompleted: return TaskStatus::kCompleted;
    case TaskResultStatus::kCanceled: return TaskStatus::kCanceled;
  }
  return TaskStatus::kFailed;
}

void add_failed_names(Workflow& wf) {
  std::set<std::string> refs(wf.failed_reference_task_names.begin(), wf.failed_reference_task_names.end());
  std::set<std::string> names(wf.failed_task_names.begin(), wf.failed_task_names.end());
  for (const auto& t : wf.tasks) {
    if (t.status != TaskStatus::kFailed && t.status != TaskStatus::kFailedWithTerminalError) continue;
    refs.insert(t.reference_task_name);
    names.insert(t.task_def_name);
  }
  wf.failed_reference_task_names.assign(refs.begin(), refs.end());
  wf.failed_task_names.assign(names.begin(), names.end());
}

/// What handing a task to a worker makes of it, whether by a poll or by an update-and-poll.
void mark_polled(Task& task, std::string_view worker_id, EpochMillis now) {
  task.status = TaskStatus::kInProgress;
  if (task.start_time == 0) task.start_time = now;
  task.callback_after_seconds = 0;
  task.worker_id = std::string(worker_id);
  task.poll_count += 1;
  task.update_time = now;
}

PollData poll_of(std::string_view task_type, std::optional<std::string_view> domain, std::string_view worker_id,
                 EpochMillis now) {
  PollData data;
  data.queue_name = std::string(task_type);
  if (domain && !domain->empty()) data.domain = std::string(*domain);
  data.worker_id = std::string(worker_id);
  data.last_poll_time = now;
  return data;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

Task* find_by_id(Workflow& wf, std::string_view task_id) {
  auto it = std::find_if(wf.tasks.begin(), wf.tasks.end(), [&](const Task& t) { return t.task_id == task_id; });
  return it == wf.tasks.end() ? nullptr : &*it;
}

std::string short_label(const Workflow& wf) {
  return fmt::format("{}.{}/{}", wf.workflow_name(), wf.workflow_version(), wf.workflow_id);
}

std::string WorkflowOps::queue_name(const Task& task) {
  return task.domain ? *task.domain + ":" + task.task_type : task.task_type;
}

DeciderEnv WorkflowOps::env(Change& s, InputResolver& inputs) {
  return DeciderEnv{core_.registry(), inputs, s.now(), [] { return new_uuid(); },
                    [](int max) {
                      thread_local std::mt19937 rng{std::random_device{}()};
                      return std::uniform_int_distribution<int>(0, max)(rng);
                    },
                    [&s](std::string_view name) { return s.find_task_def(name); }, core_.limits(),
                    &core_.shared_definitions()};
}

Workflow WorkflowOps::load(Change& s, std::string_view workflow_id) { return s.load(workflow_id); }

// The run keeps a snapshot of every task definition it uses (semantics.md §2.16 step 2).
void WorkflowOps::attach_task_defs(MetadataStore& metadata, WorkflowDef& def) {
  for_each_node(def.tasks, [&](WorkflowTask& node) {
    const TaskHandler& handler = core_.registry().mapper_for(node);
    // Pinned now, so a version registered before the task is reached does not change this run.
    if (auto child = handler.child_pinned_at_start(node)) {
      auto latest = metadata.find_workflow_def(*child, std::nullopt);
      if (!latest)
        throw Error(ErrorCode::kInternal,
                    fmt::format("The Task {} defined as a sub-workflow has no workflow definition available ", *child));
      node.sub_workflow_param->version = latest->version;
    }
    if (node.name.empty() || node.task_definition) return;
    if (auto registered = metadata.find_task_def(node.name)) {
      node.task_definition = std::move(*registered);
    } else {
      TaskDef adhoc;
      adhoc.name = node.name;
      if (!handler.keeps_task_def_defaults()) {
        adhoc.retry_count = 0;
        adhoc.response_timeout_seconds = 0;
      }
      node.task_definition = std::move(adhoc);
    }
  });
}

void WorkflowOps::check_depth(Change& s, const ChildLink& child, std::string_view name) {
  const std::int64_t max_depth = core_.limits().max_sub_workflow_depth;
  int depth = 1;
  std::optional<std::string> parent_id = child.parent_workflow_id;
  while (parent_id && depth <= max_depth) {
    auto parent = s.find_workflow(*parent_id, false);
    if (!parent || !parent->parent_workflow_id) break;
    parent_id = parent->parent_workflow_id;
    ++depth;
  }
  if (depth > max_depth)
    throw ValidationError(fmt::format("Sub workflow {} would be nested deeper than the limit of {} sub-workflow levels",
                                      name, max_depth));
}

std::string WorkflowOps::start(Change& s, const StartWorkflowRequest& request, const ChildLink* child) {
  if (child) {
    if (auto existing = s.find_workflow(child->workflow_id, false)) {
      if (existing->parent_workflow_id != child->parent_workflow_id ||
          existing->parent_workflow_task_id != child->parent_workflow_task_id)
        throw ConflictError(fmt::format("Workflow {} already exists with another parent workflow task",
                                        child->workflow_id));
      return existing->workflow_id;
    }
    check_depth(s, *child, request.name);
  }
  if (request.name.empty() && !request.workflow_def)
    throw ValidationError("Workflow name cannot be null or empty",
                          {{"startWorkflow.startWorkflowRequest.name", "Workflow name cannot be null or empty", ""}});
  if (request.priority < 0 || request.priority > 99)
    throw ValidationError(fmt::format("priority: {} should be {} {}", request.priority,
                                      request.priority < 0 ? "minimum" : "maximum", request.priority < 0 ? 0 : 99),
                          {{"startWorkflow.startWorkflowRequest.priority",
                            fmt::format("priority: {} should be {} {}", request.priority,
                                        request.priority < 0 ? "minimum" : "maximum", request.priority < 0 ? 0 : 99),
                            std::to_string(request.priority)}});
  if (!request.input && !request.external_input_payload_storage_path)
    throw ValidationError("NULL input passed when starting workflow");

  // The definition and the task definitions it uses, read at one moment.
  WorkflowDef def = s.read([&](Transaction& tx) {
    WorkflowDef found;
    if (request.workflow_def) {
      found = *request.workflow_def;
      validate_workflow_def(found, "startWorkflow.startWorkflowRequest.workflowDef",
                            {core_.metadata().options(),
                             [&](std::string_view n) { return tx.metadata().find_task_def(n); },
                             EnvironmentLookup(core_.properties()), core_.limits()});
    } else {
      auto registered = tx.metadata().find_workflow_def(request.name, request.version);
      if (!registered)
        throw NotFoundError(fmt::format("No such workflow defined. name={}, version={}", request.name,
                                        request.version ? std::to_string(*request.version) : "null"));
      found = std::move(*registered);
    }
    attach_task_defs(tx.metadata(), found);
    return found;
  });

  if (request.idempotency_key) {
    auto holder = s.read([&](Transaction& tx) {
      return tx.execution().find_workflow_by_idempotency_key(def.name, *request.idempotency_key);
    });
    // Read again through the change, which records the version its update is checked against.
    std::optional<Workflow> existing;
    if (holder) existing = s.find_workflow(holder->workflow_id, false);
    if (existing) {
      auto strategy = request.idempotency_strategy.value_or(IdempotencyStrategy::kFail);
      bool running = !is_terminal(existing->status);
      if (strategy == IdempotencyStrategy::kReturnExisting) return existing->workflow_id;
      if (strategy == IdempotencyStrategy::kFail || running)
        throw ConflictError(fmt::format("Workflow with idempotencyKey {} already exists: {}", *request.idempotency_key,
                                        existing->workflow_id));
      // FAIL_ON_RUNNING and the holder has ended: the key passes to the new run.
      existing->idempotency_key.reset();
      s.update_workflow(*existing);
    }
  }

  Workflow wf;
  wf.workflow_id = child ? child->workflow_id : new_uuid();
  if (child) {
    wf.parent_workflow_id = child->parent_workflow_id;
    wf.parent_workflow_task_id = child->parent_workflow_task_id;
  }
  wf.status = WorkflowStatus::kRunning;
  wf.create_time = s.now();
  wf.correlation_id = request.correlation_id;
  wf.priority = request.priority;
  wf.task_to_domain = request.task_to_domain;
  wf.created_by = request.created_by;
  wf.event = request.event;
  wf.idempotency_key = request.idempotency_key;
  wf.variables = def.variables;
  // A payload named by path is read now: the workflow runs with it, and the storage layer decides
  // where it is kept.
  wf.input = caller_payload(core_, PayloadType::kWorkflowInput, request.external_input_payload_storage_path,
                            request.input.value_or(JsonObject{}), "workflow " + wf.workflow_id);
  if (!wf.input.empty()) add_missing_keys(wf.input, def.input_template);
  wf.workflow_definition = core_.shared_definitions().share(std::move(def));

  s.insert_workflow(wf);
  if (auto* metrics = core_.metrics()) s.after_commit([metrics, name = wf.workflow_definition->name] {
    metrics->workflow_started(name);
  });
  if (wf.workflow_definition->workflow_status_listener_enabled) {
    s.after_commit([this, snapshot = wf] { core_.fire(WorkflowEvent::kStarted, snapshot); });
  }
  if (child) {
    // A child's first decide goes through the decider queue, expedited (pitfall 9).
    s.index_workflow(wf);
    s.push_sweep(wf.workflow_id, kExpeditePriority, 0);
    return wf.workflow_id;
  }
  s.push_sweep(wf.workflow_id, wf.priority, core_.settings().workflow_offset_timeout_s * 1000);
  decide(s, wf);
  return wf.workflow_id;
}

void WorkflowOps::decide(Change& s, Workflow& wf) {
  Metrics* metrics = core_.metrics();
  const Stopwatch stopwatch(metrics);
  decide_unmetered(s, wf);
  if (metrics) metrics->workflow_decided(wf.workflow_definition->name, stopwatch.elapsed());
}

void WorkflowOps::decide_unmetered(Change& s, Workflow& wf) {
  if (is_terminal(wf.status)) {
    if (!is_successful(wf.status)) {
      cancel_non_terminal(s, wf);
      persist(s, wf);
    }
    return;
  }
  InputResolver inputs(wf, core_.properties());
  bool requeue = false;
  for (int pass = 0;; ++pass) {
    if (pass > 0) inputs.refresh();
    auto outcome = detail::decide(wf, env(s, inputs));
    for (auto& updated : outcome.to_update) {
      if (Task* t = find_by_id(wf, updated.task_id)) {
        *t = std::move(updated);
        s.mark_dirty(t->task_id);
      }
    }
    if (outcome.terminate) return terminate_path(s, wf, *outcome.terminate);
    if (outcome.complete) return end_execution(s, wf, outcome.terminate_task_id);

    std::vector<Task> fresh;
    for (const auto& t : outcome.to_schedule) {
      bool exists = std::any_of(wf.tasks.begin(), wf.tasks.end(), [&](const Task& e) {
        return e.reference_task_name == t.reference_task_name && e.retry_count == t.retry_count;
      });
      if (!exists) fresh.push_back(t);
    }
    apply_domains(s, wf, fresh);
    bool changed = false;
    try {
      changed = schedule(s, wf, fresh);
      for (const auto& candidate : outcome.to_schedule) {
        const auto* handler = core_.registry().find_system(candidate.task_type);
        if (!handler || !handler->executes_in_decide()) continue;
        Task* task = find_by_id(wf, candidate.task_id);
        if (!task || is_terminal(task->status)) continue;
        if (execute_inline(s, wf, *task, *handler)) changed = true;
      }
    } catch (const TerminateWorkflow& signal) {
      return terminate_path(s, wf, signal.termination);
    }
    if (!changed) break;
    if (pass + 1 >= kMaxDecidePasses) {
      requeue = true;
      break;
    }
  }
  persist(s, wf);
  if (requeue) {
    s.push_sweep(wf.workflow_id, wf.priority, 0);
  } else {
    postpone_decider(s, wf);
  }
}

void WorkflowOps::schedule_iteration(Change& s, Workflow& wf, const WorkflowTask& body_head, int retry_count,
                                     int iteration) {
  InputResolver inputs(wf, core_.properties());
  auto tasks = map_node(wf, body_head, retry_count, env(s, inputs));
  for (auto& t : tasks) {
    t.reference_task_name += fmt::format("__{}", iteration);
    t.iteration = iteration;
  }
  apply_domains(s, wf, tasks);
  schedule(s, wf, tasks);
}

bool WorkflowOps::schedule(Change& s, Workflow& wf, std::vector<Task>& tasks) {
  // The workflow's task list is its stored one (the commit checks its version), so a task already
  // there under this reference name and retry count exists in storage too.
  auto exists = [&wf](const Task& t) {
    return std::any_of(wf.tasks.begin(), wf.tasks.end(), [&](const Task& e) {
      return e.reference_task_name == t.reference_task_name && e.retry_count == t.retry_count;
    });
  };
  // Checked before anything is staged: the workflow fails with every task it has, none of these.
  // Only counted when the batch could cross the bound, so a normal decide scans the tasks once.
  const auto max_tasks = static_cast<std::size_t>(core_.limits().max_tasks_per_workflow);
  const auto added = wf.tasks.size() + tasks.size() <= max_tasks
                         ? 0
                         : std::count_if(tasks.begin(), tasks.end(), [&](const Task& t) { return !exists(t); });
  if (added > 0 && wf.tasks.size() + static_cast<std::size_t>(added) > max_tasks) {
    throw TerminateWorkflow{{WorkflowStatus::kFailed,
                             fmt::format("Scheduling {} more tasks would take the workflow to {} tasks, more than the "
                                         "limit of {} tasks per workflow",
                                         added, wf.tasks.size() + static_cast<std::size_t>(added), max_tasks),
                             {}, {}}};
  }
  int seq = 0;
  for (const auto& t : wf.tasks) seq = std::max(seq, t.seq);
  std::vector<std::string> created;
  for (auto& t : tasks) {
    if (t.seq == 0) t.seq = ++seq;
    if (t.first_scheduled_time == 0) t.first_scheduled_time = s.now();
    t.scheduled_time = s.now();
    if (exists(t)) continue;
    s.insert_task(t);
    created.push_back(t.task_id);
    wf.tasks.push_back(std::move(t));
  }
  bool started_sync = false;
  for (const auto& id : created) {
    Task& task = *find_by_id(wf, id);
    const auto* handler = core_.registry().find_system(task.task_type);
    if (!handler) {
      if (!hand_out(s, task)) requeue(s, task);
      continue;
    }
    if (!is_terminal(task.status) && task.start_time == 0) {
      task.start_time = s.now();
      s.mark_dirty(task.task_id);
    }
    if (handler->is_async()) {
      requeue(s, task);
    } else {
      ChangeEffects effects(*this, s);
      SystemTaskContext context{wf, s.now(), effects};
      handler->start(task, context);
      s.mark_dirty(task.task_id);
      started_sync = true;
    }
  }
  return started_sync;
}

bool WorkflowOps::hand_out(Change& s, Task& task) {
  auto& offer = s.offer();
  if (!offer || offer->taken || task.status != TaskStatus::kScheduled || queue_name(task) != offer->queue) return false;
  if (task.callback_after_seconds > 0 || task.callback_after_ms > 0 || task.rate_limit_per_frequency > 0) return false;
  // Without the definition it carries, its limits would have to be looked up: the queue's poll does.
  const TaskDef* def =
      task.workflow_task && task.workflow_task->task_definition ? &*task.workflow_task->task_definition : nullptr;
  if (!def || (def->concurrent_exec_limit && *def->concurrent_exec_limit > 0)) return false;
  mark_polled(task, offer->worker_id, s.now());
  s.mark_dirty(task.task_id);
  offer->taken = task.task_id;
  return true;
}

void WorkflowOps::apply_domains(Change& s, const Workflow& wf, std::vector<Task>& tasks) {
  if (wf.task_to_domain.empty()) return;
  auto active_domain = [&](const std::string& type, std::string_view list) -> std::optional<std::string> {
    std::vector<std::string> domains;
    for (std::size_t start = 0; start <= list.size();) {
      auto end = list.find(',', start);
      if (end == std::string_view::npos) end = list.size();
      domains.push_back(trim(list.substr(start, end - start)));
      start = end + 1;
    }
    for (const auto& d : domains) {
      if (d.empty() || d == "NO_DOMAIN") continue;
      auto poll = s.read([&](Transaction& tx) { return tx.execution().find_poll_data(type, d); });
      if (poll && s.now() - poll->last_poll_time <= core_.settings().active_worker_last_poll_s * 1000) return d;
    }
    if (domains.empty() || domains.back() == "NO_DOMAIN" || domains.back().empty()) return std::nullopt;
    return domains.back();
  };
  for (auto& t : tasks) {
    if (core_.registry().is_system(t.task_type)) continue;
    if (auto star = wf.task_to_domain.find("*"); star != wf.task_to_domain.end() && !trim(star->second).empty())
      t.domain = active_domain(t.task_type, star->second);
    if (auto own = wf.task_to_domain.find(t.task_type); own != wf.task_to_domain.end())
      t.domain = active_domain(t.task_type, own->second);
  }
}

void WorkflowOps::write_task(Change& s, Task& task) {
  task.update_time = s.now();
  if (is_terminal(task.status) && task.end_time == 0) task.end_time = s.now();
  // A task is counted by the change that ended it, the one that stamps its end time.
  if (auto* metrics = core_.metrics(); metrics && is_terminal(task.status) && task.end_time == s.now()) {
    s.after_commit([metrics, type = task.task_type, status = task.status] { metrics->task_finished(type, status); });
  }
  s.update_task(task);
  // A task no longer running may free a slot of its definition's concurrency limit: whatever the
  // limit held back competes for it now rather than after its postponement.
  if (task.status != TaskStatus::kInProgress)
    for (const auto& held : core_.held_back().release(task.task_def_name)) s.make_visible(held.queue, held.id);
  s.index_task(task);
  if (core_.has_listeners()) s.after_commit([this, snapshot = task] { core_.fire(snapshot); });
}

bool WorkflowOps::execute_inline(Change& s, Workflow& wf, Task& task, const TaskHandler& handler) {
  // By id afterwards: execute may append to wf.tasks (a DO_WHILE starting an iteration), moving `task`.
  const std::string id = task.task_id;
  ChangeEffects effects(*this, s);
  SystemTaskContext context{wf, s.now(), effects};
  const Stopwatch stopwatch(core_.metrics());
  const bool ran = handler.execute(task, context);
  if (auto* metrics = core_.metrics()) metrics->system_task_executed(handler.type(), stopwatch.elapsed());
  if (!ran) return false;
  s.mark_dirty(id);
  // An async task that ended here no longer needs its queue delivery.
  const Task& executed = *find_by_id(wf, id);
  if (handler.is_async() && is_terminal(executed.status)) s.remove_message(queue_name(executed), id);
  return true;
}

void WorkflowOps::persist_tasks(Change& s, Workflow& wf) {
  for (auto& t : wf.tasks)
    if (s.take_dirty(t.task_id)) write_task(s, t);
}

void WorkflowOps::persist(Change& s, Workflow& wf) {
  persist_tasks(s, wf);
  wf.update_time = s.now();
  if (is_terminal(wf.status) && wf.end_time == 0) wf.end_time = s.now();
  s.update_workflow(wf);
  s.index_workflow(wf);
}

void WorkflowOps::postpone_decider(Change& s, const Workflow& wf) {
  const auto& settings = core_.settings();
  const auto now = s.now();
  std::optional<std::int64_t> best;
  auto consider = [&](std::int64_t seconds) {
    seconds = std::clamp<std::int64_t>(seconds, 0, settings.max_postpone_s);
    if (!best || seconds < *best) best = seconds;
  };
  for (const auto& t : wf.tasks) {
    if (is_terminal(t.status)) continue;
    const TaskDef* def = task_def_of(wf, t);
    const auto* handler = core_.registry().find_system(t.task_type);
    auto wait = handler ? handler->decider_wait_seconds(t, now, settings.workflow_offset_timeout_s) : std::nullopt;
    if (wait) {
      consider(*wait);
    } else if (t.status == TaskStatus::kInProgress) {
      std::int64_t rt = def && def->response_timeout_seconds != 0 ? def->response_timeout_seconds : t.response_timeout_seconds;
      consider(rt != 0 ? std::max<std::int64_t>(0, rt - (now - t.start_time) / 1000 + 1) : settings.workflow_offset_timeout_s);
    } else if (def && def->poll_timeout_seconds && *def->poll_timeout_seconds != 0) {
      consider(std::max<std::int64_t>(0, *def->poll_timeout_seconds - (now - t.scheduled_time) / 1000 + 1));
    } else {
      consider(wf.workflow_definition->timeout_seconds != 0 ? wf.workflow_definition->timeout_seconds + 1
                                                           : settings.workflow_offset_timeout_s);
    }
    // Timers that the candidates above do not see: a task timeout and a pending retry delay.
    if (def && def->timeout_seconds > 0 && t.start_time > 0)
      consider((t.start_time + t.start_delay_in_seconds * 1000LL + def->timeout_seconds * 1000 - now + 999) / 1000);
  }
  if (wf.workflow_definition->timeout_seconds > 0) {
    EpochMillis since = wf.last_retried_time > 0 ? wf.last_retried_time : wf.create_time;
    consider((since + wf.workflow_definition->timeout_seconds * 1000 - now + 999) / 1000);
  }
  const std::int64_t visible_at = now + best.value_or(settings.workflow_offset_timeout_s) * 1000;
  // A change that neither sweeps the workflow nor pushed its message leaves a later sweep where it
  // is: that sweep decides nothing new and times the next one. Most of a workflow's changes then
  // write nothing to its message, and a short workflow's message is written only when it starts.
  if (s.times_sweep(wf.workflow_id)) {
    s.set_visible_at(kDeciderQueue, wf.workflow_id, visible_at);
  } else {
    s.bring_sweep_forward(wf.workflow_id, visible_at);
  }
}

void WorkflowOps::end_execution(Change& s, Workflow& wf, const std::optional<std::string>& terminate_task_id) {
  if (terminate_task_id) {
    const Task& t = *find_by_id(wf, *terminate_task_id);
    auto text = [&](const char* key) -> std::string {
      const auto* v = t.input_data.if_contains(key);
      return v && v->is_string() ? std::string(v->as_string()) : std::string{};
    };
    std::string word = text("terminationStatus");
    std::string reason = text("terminationReason");
    if (trim(reason).empty()) reason = fmt::format("Workflow is {} by TERMINATE task: {}", word, t.task_id);
    if (word == "FAILED" || word == "TERMINATED") {
      return terminate_path(s, wf, {word == "FAILED" ? WorkflowStatus::kFailed : WorkflowStatus::kTerminated, reason,
                                    t.task_id, std::nullopt});
    }
    wf.reason_for_incompletion = reason;
  }
  complete(s, wf);
}

void WorkflowOps::complete(Change& s, Workflow& wf) {
  if (wf.status == WorkflowStatus::kCompleted) {
    s.remove_message(kDeciderQueue, wf.workflow_id);
    return;
  }
  if (is_terminal(wf.status))
    throw ConflictError(fmt::format("Workflow is already in terminal state. Current status: {}", to_string(wf.status)));
  InputResolver inputs(wf, core_.properties());
  wf.output = workflow_output(wf, core_.registry(), inputs, nullptr);
  wf.previous_status = wf.status;
  wf.status = WorkflowStatus::kCompleted;
  add_failed_names(wf);
  cancel_non_terminal(s, wf);
  finish(s, wf);
  update_parent(s, wf);
  publish_status_event(s, wf);
  if (wf.workflow_definition->workflow_status_listener_enabled) {
    s.after_commit([this, snapshot = wf] {
      core_.fire(WorkflowEvent::kCompleted, snapshot);
      core_.fire(WorkflowEvent::kFinalized, snapshot);
    });
  }
}

void WorkflowOps::finish(Change& s, Workflow& wf) {
  persist(s, wf);
  if (auto* metrics = core_.metrics()) {
    s.after_commit([metrics, name = wf.workflow_definition->name, status = wf.status,
                    duration = std::chrono::milliseconds(wf.end_time - wf.create_time)] {
      metrics->workflow_finished(name, status, duration);
    });
  }
  s.remove_message(kDeciderQueue, wf.workflow_id);
}

void WorkflowOps::terminate_path(Change& s, Workflow& wf, const Termination& termination) {
  if (!is_terminal(wf.status)) {
    wf.previous_status = wf.status;
    wf.status = termination.status;
  }
  if (termination.failed_task_id && !wf.failed_task_id) wf.failed_task_id = termination.failed_task_id;
  std::string failure_workflow = wf.workflow_definition->failure_workflow.value_or("");
  if (!failure_workflow.empty() && failure_workflow.front() == '$') {
    // `$workflow.input.key`: the third dotted part names an input key holding the name.
    std::vector<std::string> parts;
    for (std::size_t start = 0; start <= failure_workflow.size();) {
      auto end = failure_workflow.find('.', start);
      if (end == std::string::npos) end = failure_workflow.size();
      parts.push_back(failure_workflow.substr(start, end - start));
      start = end + 1;
    }
    const auto* v = parts.size() > 2 ? wf.input.if_contains(parts[2]) : nullptr;
    failure_workflow = v && v->is_string() ? std::string(v->as_string()) : std::string{};
  }
  terminate_workflow(s, wf, termination.reason, failure_workflow, termination.last_task_id);
}

void WorkflowOps::terminate_workflow(Change& s, Workflow& wf, const std::string& reason,
                                     const std::string& failure_workflow,
                                     const std::optional<std::string>& last_task_id) {
  if (!is_terminal(wf.status)) {
    wf.previous_status = wf.status;
    wf.status = WorkflowStatus::kTerminated;
  }
  {
    InputResolver inputs(wf, core_.properties());
    const Task* last = last_task_id ? find_by_id(wf, *last_task_id) : nullptr;
    wf.output = workflow_output(wf, core_.registry(), inputs, last);
  }
  add_failed_names(wf);
  wf.reason_for_incompletion = reason;
  cancel_non_terminal(s, wf);
  for (const auto& t : wf.tasks) s.remove_message(queue_name(t), t.task_id);
  finish(s, wf);
  update_parent(s, wf);
  publish_status_event(s, wf);
  if (wf.workflow_definition->workflow_status_listener_enabled) {
    s.after_commit([this, snapshot = wf] {
      core_.fire(WorkflowEvent::kTerminated, snapshot);
      core_.fire(WorkflowEvent::kFinalized, snapshot);
    });
  }
  if (failure_workflow.empty()) return;
  StartWorkflowRequest request;
  request.name = failure_workflow;
  request.version = wf.workflow_definition->failure_workflow_version;
  request.correlation_id = wf.correlation_id;
  request.task_to_domain = wf.task_to_domain;
  JsonObject input = wf.input;
  input["workflowId"] = wf.workflow_id;
  input["reason"] = reason;
  input["failureStatus"] = to_string(wf.status);
  if (wf.failed_task_id) input["failureTaskId"] = *wf.failed_task_id;
  input["failedWorkflow"] = to_json(wf);
  request.input = std::move(input);
  try {
    wf.output["conductor.failure_workflow"] = start(s, request);
  } catch (const StorageError&) {
    // The storage failed, not the failure workflow: the change that ends the workflow fails whole.
    throw;
  } catch (const Error& e) {
    wf.output["conductor.failure_workflow"] =
        fmt::format("Error workflow {} failed to start.  reason: {}", failure_workflow, e.what());
  }
  persist(s, wf);
}

void WorkflowOps::update_parent(Change& s, const Workflow& child) {
  if (!child.parent_workflow_id || !child.parent_workflow_task_id) return;
  auto parent = s.find_workflow(*child.parent_workflow_id, false);
  auto task = s.find_task(*child.parent_workflow_task_id);
  // Only the parent task that still waits for this very child takes its outcome: a rerun may have
  // replaced the task, and a retried attempt has a child of its own.
  if (!parent || !task || task->workflow_instance_id != parent->workflow_id || is_terminal(task->status) ||
      task->sub_workflow_id != child.workflow_id)
    return;
  const auto* handler = core_.registry().find_system(task->task_type);
  if (!handler) return;
  ChangeEffects effects(*this, s);
  SystemTaskContext context{*parent, s.now(), effects};
  if (handler->execute(*task, context)) write_task(s, *task);
  if (!is_terminal(parent->status)) s.push_sweep(parent->workflow_id, kExpeditePriority, 0);
}

void WorkflowOps::cancel_non_terminal(Change& s, Workflow& wf) {
  for (auto& t : wf.tasks) {
    if (is_terminal(t.status)) continue;
    if (const auto* handler = core_.registry().find_system(t.task_type)) {
      ChangeEffects effects(*this, s);
      SystemTaskContext context{wf, s.now(), effects};
      handler->cancel(t, context);
    }
    t.status = TaskStatus::kCanceled;
    s.remove_message(queue_name(t), t.task_id);
    s.mark_dirty(t.task_id);
  }
}

Task WorkflowOps::update_task(Change& s, const TaskResult& result, bool take_next) {
  std::vector<FieldViolation> violations;
  if (result.workflow_instance_id.empty())
    violations.push_back({"updateTask.taskResult.workflowInstanceId", "Workflow Id cannot be null or empty", ""});
  if (result.task_id.empty())
    violations.push_back({"updateTask.taskResult.taskId", "Task ID cannot be null or empty", ""});
  if (!result.status) violations.push_back({"updateTask.taskResult.status", "Task status cannot be null", ""});
  if (!violations.empty()) throw ValidationError(std::move(violations));

  // The workflow a result names holds its task, so loading it first spares reading the task twice;
  // a result naming another workflow goes by its task's, as Conductor does.
  std::optional<Workflow> found = s.find_workflow(result.workflow_instance_id, true);
  if (!found || !find_by_id(*found, result.task_id)) {
    auto stored = s.find_task(result.task_id);
    if (!stored) throw NotFoundError(fmt::format("No such task found by id: {}", result.task_id));
    found = load(s, stored->workflow_instance_id);
  }
  Workflow& wf = *found;
  Task* task = find_by_id(wf, result.task_id);
  if (!task) throw NotFoundError(fmt::format("No such task found by id: {}", result.task_id));
  if (result.extend_lease) {
    if (!is_terminal(task->status)) write_task(s, *task);
    return *task;
  }
  if (is_terminal(task->status) || is_terminal(wf.status)) {
    s.remove_message(queue_name(*task), task->task_id);
    return *task;
  }
  bool system = core_.registry().is_system(task->task_type);
  task->status = !system && *result.status == TaskResultStatus::kInProgress ? TaskStatus::kScheduled
                                                                           : to_task_status(*result.status);
  if (result.reason_for_incompletion) task->reason_for_incompletion = result.reason_for_incompletion->substr(0, 500);
  if (result.worker_id) task->worker_id = result.worker_id;
  task->callback_after_seconds = result.callback_after_seconds;
  task->output_data = caller_payload(core_, PayloadType::kTaskOutput, result.external_output_payload_storage_path,
                                     result.output_data, "task " + task->task_id);
  if (result.sub_workflow_id) task->sub_workflow_id = result.sub_workflow_id;
  if (is_terminal(task->status)) {
    task->end_time = s.now();
    s.remove_message(queue_name(*task), task->task_id);
  } else {
    s.push_task(queue_name(*task), *task, task->callback_after_seconds * 1000);
  }
  s.mark_dirty(task->task_id);
  if (!result.logs.empty()) {
    auto logs = result.logs;
    fit_log_messages(core_.limits(), logs);
    for (auto& log : logs) {
      log.task_id = task->task_id;
      if (log.created_time == 0) log.created_time = s.now();
    }
    s.write([logs = std::move(logs)](Transaction& tx) { tx.execution().add_task_logs(logs); });
  }
  std::string id = task->task_id;
  if (take_next && is_terminal(task->status))
    s.offer() = Change::Offer{queue_name(*task), result.worker_id.value_or(""), std::nullopt};
  if (!update_lazily(s, wf, *task)) decide(s, wf);
  if (s.take_dirty(id)) persist(s, wf);  // the workflow had ended already: the task change still lands
  if (auto& offer = s.offer(); offer && offer->taken) record_hand_out(s, wf, *offer);
  return *find_by_id(wf, id);
}

void WorkflowOps::record_hand_out(Change& s, Workflow& wf, Change::Offer& offer) {
  // The same decide may have ended it again (a TERMINATE beside it): then a poll finds the next.
  const Task* next = find_by_id(wf, *offer.taken);
  if (!next || next->status != TaskStatus::kInProgress) {
    offer.taken.reset();
    return;
  }
  std::optional<std::string_view> domain;
  if (next->domain) domain = *next->domain;
  PollData data = poll_of(next->task_type, domain, offer.worker_id, s.now());
  if (core_.poll_data_throttle().due(data, true)) {
    s.write([data](Transaction& tx) { tx.execution().put_poll_data(data); });
    s.after_commit([this, data] { core_.poll_data_throttle().recorded(data); });
  }
}

// Semantics §2.15: a successful update of a task in a FORK_JOIN branch that a JOIN waits on does not
// decide the workflow; the JOIN does once it ends. Conductor's JOIN notices on its next poll; here
// the waiting JOINs are evaluated now. Returns false when the workflow must be decided.
bool WorkflowOps::update_lazily(Change& s, Workflow& wf, const Task& task) {
  if (task.iteration > 0 || !is_successful(task.status)) return false;
  const auto& ref = task.reference_task_name;
  bool forked = false;
  bool joined = false;
  for_each_node(wf.workflow_definition->tasks, [&](const WorkflowTask& node) {
    const TaskHandler& handler = core_.registry().mapper_for(node);
    if (handler.forks_lazily_to(node, ref)) forked = true;
    if (handler.joins_lazily_on(node, ref)) joined = true;
  });
  if (!forked || !joined) return false;
  if (is_terminal(task.status)) {
    for (auto& t : wf.tasks) {
      const auto* handler = is_terminal(t.status) ? nullptr : core_.registry().find_system(t.task_type);
      if (!handler || !handler->is_async() || !handler->executes_in_decide()) continue;
      if (execute_inline(s, wf, t, *handler) && is_terminal(t.status)) return false;
    }
  }
  persist_tasks(s, wf);
  return true;
}

bool WorkflowOps::admit(Transaction& tx, const Task& task, EpochMillis now) {
  // The limits are those of the definition the task carries (attached when its workflow started),
  // as Conductor reads them; only a task without one looks the registered definition up.
  std::optional<TaskDef> registered;
  const TaskDef* def = task.workflow_task && task.workflow_task->task_definition ? &*task.workflow_task->task_definition
                                                                                 : nullptr;
  if (!def && (registered = tx.metadata().find_task_def(task.task_def_name))) def = &*registered;
  if (def && def->concurrent_exec_limit && *def->concurrent_exec_limit > 0) {
    int limit = *def->concurrent_exec_limit;
    if (static_cast<int>(tx.execution().in_progress_task_ids(task.task_def_name, limit).size()) >= limit) return false;
  }
  if (task.rate_limit_per_frequency <= 0) return true;
  int per = def ? def->rate_limit_per_frequency : task.rate_limit_per_frequency;
  int seconds = def ? def->rate_limit_frequency_in_seconds : task.rate_limit_frequency_in_seconds;
  if (per <= 0 || seconds <= 0) return true;
  return tx.execution().try_admit_rate(task.task_def_name, now, seconds * 1000LL, per);
}

void WorkflowOps::hold_back(Transaction& tx, const std::string& queue, const Task& task, EpochMillis now) {
  tx.queues().push(queue, task.task_id, task.workflow_priority, now + core_.settings().task_execution_postpone_s * 1000);
  core_.held_back().hold(task.task_def_name, queue, task.task_id);
}

std::vector<Task> WorkflowOps::poll(Transaction& tx, AfterCommit& after, std::string_view task_type,
                                    std::string_view worker_id, std::optional<std::string_view> domain, int count) {
  const EpochMillis now = core_.clock().now_ms();
  std::string queue = domain && !domain->empty() ? fmt::format("{}:{}", *domain, task_type) : std::string(task_type);
  std::vector<Task> handed_out;
  // Taken, not popped: a task handed out comes back through its response timeout, not through an
  // unacknowledged message, and a stale message (its task gone or ended) is done with.
  TakenTasks taken = tx.take_tasks(queue, count, now, kDeciderQueue);
  // A workflow sent along is cached at the version it was taken at, with its sweep's due time; the
  // hand-outs below move it on. Until then that time is known here.
  std::unordered_map<std::string, EpochMillis> sent_sweeps;
  for (auto& sent : taken.workflows) {
    const EpochMillis sweep_by = sent.sweep_at.value_or(KnownMessages::kAbsent);
    sent_sweeps.emplace(sent.workflow.workflow_id, sweep_by);
    after.run([this, id = sent.workflow.workflow_id, sent = std::move(sent), sweep_by]() mutable {
      core_.workflow_cache().put(id, sent.version, std::move(sent.workflow), KnownMessages{.sweep_by = sweep_by});
    });
  }
  std::vector<Task>& tasks = taken.tasks;
  for (Task& task : tasks) {
    if (is_terminal(task.status)) continue;
    if (!admit(tx, task, now)) {
      hold_back(tx, queue, task, now);
      continue;
    }
    mark_polled(task, worker_id, now);
    // The hand-out runs under the writer, not as a versioned change: it moves the version on, so a
    // change computed meanwhile from the task as it was is computed again.
    const auto version = tx.execution().hand_out(task);
    if (!core_.summarizes_stored_rows()) tx.index().index_task(task_summary(task));
    // Its response timeout needs a sweep by then, unless the workflow sent along or the cached state
    // knows of an earlier one.
    std::optional<EpochMillis> sweep_by;
    if (task.response_timeout_seconds > 0) sweep_by = now + task.response_timeout_seconds * 1000;
    if (sweep_by) {
      const auto sent = sent_sweeps.find(task.workflow_instance_id);
      const bool swept = sent != sent_sweeps.end()
                             ? sent->second <= *sweep_by
                             : version && core_.workflow_cache().swept_by(task.workflow_instance_id, *version - 1,
                                                                          *sweep_by);
      if (!swept) {
        tx.queues().set_visible_at_if_earlier(kDeciderQueue, task.workflow_instance_id, *sweep_by);
        if (sent != sent_sweeps.end()) sent->second = *sweep_by;
      }
    }
    if (version) {
      after.run([this, version = *version, snapshot = task, sweep_by] {
        core_.workflow_cache().advance(snapshot.workflow_instance_id, version - 1, version, snapshot, sweep_by);
      });
    }
    if (core_.has_listeners()) after.run([this, snapshot = task] { core_.fire(snapshot); });
    after.taken(queue, task.task_id);
    handed_out.push_back(std::move(task));
  }
  const PollData data = poll_of(task_type, domain, worker_id, now);
  // Poll data is kept for task types in use: ones with a definition, and ones whose queue holds
  // messages (a worker of an unregistered type shows once there is work for it). Task types come
  // from clients, so recording every name polled would let made-up names add rows without bound.
  if (core_.poll_data_throttle().due(data, !tasks.empty())) {
    if (!tasks.empty() || tx.queues().size(queue) > 0 || tx.metadata().find_task_def(task_type)) {
      tx.execution().put_poll_data(data);
      after.run([this, data] { core_.poll_data_throttle().recorded(data); });
    } else {
      after.run([this, data] { core_.poll_data_throttle().not_in_use(data); });
    }
  }
  return handed_out;
}

void WorkflowOps::sweep(std::string_view workflow_id) {
  run_change(core_, workflow_id, [&](Change& s) { sweep(s, workflow_id); });
}

void WorkflowOps::sweep(Change& s, std::string_view workflow_id) {
  s.time_sweep(workflow_id);
  auto found = s.find_workflow(workflow_id, true);
  if (!found || is_terminal(found->status)) {
    s.remove_message(kDeciderQueue, workflow_id);
    return;
  }
  Workflow& wf = *found;
  if (wf.status == WorkflowStatus::kPaused) {
    s.remove_message(kDeciderQueue, workflow_id);
    return;
  }
  auto snapshot = [](const Workflow& w) {
    std::vector<std::pair<std::string, TaskStatus>> out;
    for (const auto& t : w.tasks) out.emplace_back(t.reference_task_name, t.status);
    return out;
  };
  auto before = snapshot(wf);
  decide(s, wf);
  if (is_terminal(wf.status)) return;
  if (snapshot(wf) != before) return;
  // Nothing moved: repair what a crash may have lost.
  bool repaired = false;
  for (auto& t : wf.tasks) {
    if (is_terminal(t.status)) continue;
    const auto* handler = core_.registry().find_system(t.task_type);
    // An async task something outside finishes has no message once it runs.
    bool repairable = handler ? handler->is_async() &&
                                    (t.status == TaskStatus::kScheduled || !handler->is_async_complete(t))
                              : t.status == TaskStatus::kScheduled;
    if (repairable && !s.queued(queue_name(t), t.task_id))
      s.push_task(queue_name(t), t, t.callback_after_seconds * 1000);
    ChangeEffects effects(*this, s);
    SystemTaskContext context{wf, s.now(), effects};
    if (handler && handler->repair(t, context)) {
      s.mark_dirty(t.task_id);
      repaired = true;
    }
  }
  if (wf.parent_workflow_id)
    s.push_sweep_if_absent(*wf.parent_workflow_id, 0, s.now() + core_.settings().workflow_offset_timeout_s * 1000);
  if (repaired) {
    decide(s, wf);
    if (is_terminal(wf.status)) return;
  }
  bool pending = std::any_of(wf.tasks.begin(), wf.tasks.end(), [](const Task& t) { return !is_terminal(t.status); });
  if (!pending && !wf.tasks.empty()) {
    wf.tasks.back().executed = false;
    s.mark_dirty(wf.tasks.back().task_id);
    decide(s, wf);
  }
}

std::optional<Task> WorkflowOps::run_system_task(const TaskHandler& handler, std::string_view task_id) {
  const std::string queue{handler.type()};
  std::optional<Task> stored = core_.storage().begin(TransactionMode::kRead)->execution().find_task(task_id);
  if (!stored || is_terminal(stored->status)) {
    run_in_writer(core_, [&](Transaction& tx, AfterCommit&) { tx.queues().remove(queue, task_id); });
    return std::nullopt;
  }
  // Limits are counted under the writer, so that two processes cannot both take the last slot.
  const TaskDef* def = stored->workflow_task && stored->workflow_task->task_definition
                           ? &*stored->workflow_task->task_definition
                           : nullptr;
  const bool limited = stored->rate_limit_per_frequency > 0 || !def || def->rate_limit_per_frequency > 0 ||
                       def->concurrent_exec_limit.value_or(0) > 0;
  if (stored->status == TaskStatus::kScheduled && limited) {
    bool admitted = run_in_writer(core_, [&](Transaction& tx, AfterCommit&) {
      const EpochMillis now = core_.clock().now_ms();
      if (admit(tx, *stored, now)) return true;
      hold_back(tx, queue, *stored, now);
      return false;
    });
    if (!admitted) return std::nullopt;
  }
  return run_change(core_, stored->workflow_instance_id,
                    [&](Change& s) { return execute_system_task(s, handler, task_id); });
}

std::optional<Task> WorkflowOps::execute_system_task(Change& s, const TaskHandler& handler,
                                                     std::string_view task_id) {
  const std::string queue{handler.type()};
  auto stored = s.find_task(task_id);
  if (!stored || is_terminal(stored->status)) {
    s.remove_message(queue, task_id);
    return std::nullopt;
  }
  Workflow wf = load(s, stored->workflow_instance_id);
  Task* task = find_by_id(wf, task_id);
  if (!task) return std::nullopt;
  if (is_terminal(wf.status)) {
    task->status = TaskStatus::kCanceled;
    task->reason_for_incompletion = fmt::format("Workflow is in {} state", to_string(wf.status));
    s.remove_message(queue, task_id);
    write_task(s, *task);
    return std::nullopt;
  }
  bool async_complete = handler.is_async_complete(*task);
  if (task->status == TaskStatus::kScheduled || !async_complete) task->poll_count += 1;
  ChangeEffects effects(*this, s);
  SystemTaskContext context{wf, s.now(), effects};
  const Stopwatch stopwatch(core_.metrics());
  const bool starting = task->status == TaskStatus::kScheduled;
  if (starting) {
    task->start_time = s.now();
    handler.start(*task, context);
  } else {
    handler.execute(*task, context);
  }
  if (auto* metrics = core_.metrics()) metrics->system_task_executed(handler.type(), stopwatch.elapsed());
  s.mark_dirty(task_id);
  // A call is made when the task starts, and again when its message comes back without a result (the
  // process making it died); an async-complete task that made its call waits for its update instead.
  std::optional<Task> call;
  if (handler.calls_out() && task->status == TaskStatus::kInProgress && (starting || !async_complete)) call = *task;
  if ((async_complete && task->status != TaskStatus::kScheduled) || is_terminal(task->status)) {
    if (is_terminal(task->status)) task->end_time = s.now();
    s.remove_message(queue, task_id);
    decide(s, wf);
    return call;
  }
  task->callback_after_seconds = handler.evaluation_offset_seconds(*task, s.now());
  s.push_task(queue, *task, task->callback_after_seconds * 1000);
  persist(s, wf);
  return call;
}

void WorkflowOps::pause(Change& s, std::string_view workflow_id) {
  Workflow wf = load(s, workflow_id);
  if (is_terminal(wf.status))
    throw ConflictError(fmt::format("Workflow {} has ended, status cannot be updated.", short_label(wf)));
  if (wf.status == WorkflowStatus::kPaused) return;
  wf.previous_status = wf.status;
  wf.status = WorkflowStatus::kPaused;
  persist(s, wf);
  s.remove_message(kDeciderQueue, wf.workflow_id);
  if (wf.workflow_definition->workflow_status_listener_enabled)
    s.after_commit([this, snapshot = wf] { core_.fire(WorkflowEvent::kPaused, snapshot); });
}

void WorkflowOps::resume(Change& s, std::string_view workflow_id) {
  Workflow wf = load(s, workflow_id);
  // Conductor answers this illegal state with an unmapped 500; it is the caller's conflict with the
  // workflow's state, so it is a ConflictError (409) here, with Conductor's message.
  if (wf.status != WorkflowStatus::kPaused)
    throw ConflictError(fmt::format("The workflow {} is not PAUSED so cannot resume. Current status is {}", wf.workflow_id,
                            to_string(wf.status)));
  wf.previous_status = wf.status;
  wf.status = WorkflowStatus::kRunning;
  wf.last_retried_time = s.now();
  s.push_sweep(wf.workflow_id, wf.priority, core_.settings().workflow_offset_timeout_s * 1000);
  if (wf.workflow_definition->workflow_status_listener_enabled)
    s.after_commit([this, snapshot = wf] { core_.fire(WorkflowEvent::kResumed, snapshot); });
  decide(s, wf);
}

void WorkflowOps::terminate(Change& s, std::string_view workflow_id, std::string_view reason) {
  Workflow wf = load(s, workflow_id);
  if (wf.status == WorkflowStatus::kCompleted) throw ConflictError("Cannot terminate a COMPLETED workflow.");
  if (wf.status == WorkflowStatus::kTerminated) return;
  wf.previous_status = wf.status;
  wf.status = WorkflowStatus::kTerminated;
  terminate_workflow(s, wf, std::string(reason), {}, std::nullopt);
}

}  // namespace conductor::detail
