#include <conductor/run_watch.hpp>
#include <conductor/workflow_executor.hpp>

#include <conductor/error.hpp>

#include "engine/engine_core.hpp"
#include "executor/change.hpp"
#include "util/uuid.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <utility>

/// Synchronous execution and signals: where a run stands, waiting for it to end or block, and
/// completing the task that waits for a signal.
namespace conductor {

using detail::run_change;

namespace {

constexpr std::string_view kWait = "WAIT";
constexpr std::string_view kSubWorkflow = "SUB_WORKFLOW";

/// A WAIT task that only a signal or an update ends (no duration, no end time).
bool waits_for_signal(const Task& task) {
  return task.task_type == kWait && !is_terminal(task.status) && task.wait_timeout == 0;
}

/// The sub-workflow a task runs while it runs, if any.
const std::string* running_child(const Task& task) {
  if (task.task_type != kSubWorkflow || is_terminal(task.status) || !task.sub_workflow_id ||
      task.sub_workflow_id->empty())
    return nullptr;
  return &*task.sub_workflow_id;
}

/// Collects the blocking tasks of `wf` and, in task order, of its running sub-workflows.
void collect_blocking(WorkflowExecutor& executor, const Workflow& wf, const std::vector<std::string>& refs,
                      RunState& state) {
  state.workflow_ids.push_back(wf.workflow_id);
  for (const Task& task : wf.tasks) {
    const bool named = is_terminal(task.status) &&
                       std::find(refs.begin(), refs.end(), task.reference_task_name) != refs.end();
    if (waits_for_signal(task) || named) {
      if (state.blocking_tasks.empty()) state.blocking_workflow = wf;
      state.blocking_tasks.push_back(task);
    }
    if (const std::string* child = running_child(task)) {
      // A child removed meanwhile has nothing to wait on.
      if (auto sub = executor.find_workflow(*child, true)) collect_blocking(executor, *sub, refs, state);
    }
  }
}

/// The first WAIT task of the run that has not ended: the workflow's own first, then depth first in
/// its running sub-workflows.
std::optional<Task> signal_target(WorkflowExecutor& executor, const Workflow& wf) {
  for (const Task& task : wf.tasks) {
    if (task.task_type == kWait && !is_terminal(task.status)) return task;
  }
  for (const Task& task : wf.tasks) {
    const std::string* child = running_child(task);
    if (!child) continue;
    if (auto sub = executor.find_workflow(*child, true)) {
      if (auto found = signal_target(executor, *sub)) return found;
    }
  }
  return std::nullopt;
}

/// Waits on `watch` on this thread until the run settles or the watch's deadline.
RunState wait_blocking(RunWatch& watch) {
  struct Wake {
    std::mutex mutex;
    std::condition_variable changed;
    bool woken = false;
  };
  auto wake = std::make_shared<Wake>();
  while (true) {
    {
      std::lock_guard lock(wake->mutex);
      wake->woken = false;
    }
    auto state = watch.attempt([wake] {
      std::lock_guard lock(wake->mutex);
      wake->woken = true;
      wake->changed.notify_all();
    });
    if (state) return std::move(*state);
    const auto until = std::min(watch.deadline(), watch.recheck_at());
    std::unique_lock lock(wake->mutex);
    wake->changed.wait_until(lock, until, [&] { return wake->woken; });
    if (!wake->woken && std::chrono::steady_clock::now() >= watch.deadline()) {
      lock.unlock();
      return watch.finish();
    }
  }
}

}  // namespace

WorkflowWaiter::WorkflowWaiter(WorkflowWaiter&& other) noexcept
    : watchers_(std::exchange(other.watchers_, nullptr)), id_(std::exchange(other.id_, 0)) {}

WorkflowWaiter& WorkflowWaiter::operator=(WorkflowWaiter&& other) noexcept {
  if (this != &other) {
    cancel();
    watchers_ = std::exchange(other.watchers_, nullptr);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

WorkflowWaiter::~WorkflowWaiter() { cancel(); }

bool WorkflowWaiter::cancel() noexcept {
  if (watchers_ == nullptr) return false;
  const bool cancelled = watchers_->cancel(id_);
  watchers_ = nullptr;
  return cancelled;
}

RunState WorkflowExecutor::run_state(std::string_view workflow_id, const std::vector<std::string>& wait_until_task_refs,
                                     std::string request_id) {
  RunState state;
  state.target = get_workflow(workflow_id, true);
  state.request_id = request_id.empty() ? detail::new_uuid() : std::move(request_id);
  collect_blocking(*this, state.target, wait_until_task_refs, state);
  if (state.blocking_tasks.empty()) state.blocking_workflow = state.target;
  return state;
}

WorkflowWaiter WorkflowExecutor::wait_for_change(const std::vector<std::string>& workflow_ids,
                                                 std::function<void()> on_change) {
  auto& watchers = core_.watchers();
  return WorkflowWaiter(watchers, watchers.add(workflow_ids, std::move(on_change)));
}

RunState WorkflowExecutor::execute(const StartWorkflowRequest& request, const WaitOptions& options) {
  RunWatch watch(*this, start_workflow(request), options);
  return wait_blocking(watch);
}

std::optional<Task> WorkflowExecutor::signal(std::string_view workflow_id, TaskResultStatus status,
                                             const JsonObject& output) {
  const auto target = signal_target(*this, get_workflow(workflow_id, true));
  if (!target) return std::nullopt;
  return run_change(core_, target->workflow_instance_id, [&](detail::Change& s) {
    // The task as this change sees it: a result merged into output it had meanwhile is not lost.
    auto current = s.find_task(target->task_id).value_or(*target);
    TaskResult result;
    result.workflow_instance_id = current.workflow_instance_id;
    result.task_id = current.task_id;
    result.status = status;
    result.output_data = current.output_data;
    for (const auto& [key, value] : output) result.output_data[key] = value;
    result.worker_id = current.worker_id;
    return core_.ops().update_task(s, result);
  });
}

RunState WorkflowExecutor::signal_and_wait(std::string_view workflow_id, TaskResultStatus status,
                                           const JsonObject& output, const WaitOptions& options) {
  if (!signal(workflow_id, status, output))
    throw NotFoundError(fmt::format("Found no blocked task in workflow {} to signal", workflow_id));
  RunWatch watch(*this, std::string(workflow_id), options);
  return wait_blocking(watch);
}

}  // namespace conductor
