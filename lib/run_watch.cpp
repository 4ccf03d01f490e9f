#include <conductor/run_watch.hpp>

#include <conductor/workflow_executor.hpp>

#include "util/uuid.hpp"

#include <utility>

namespace conductor {

namespace {

/// How often a waiter looks again for changes no commit of this process announces (another process
/// sharing the database made them).
constexpr std::chrono::seconds kRecheckInterval{1};

}  // namespace

RunWatch::RunWatch(WorkflowExecutor& executor, std::string workflow_id, WaitOptions options)
    : executor_(executor),
      workflow_id_(std::move(workflow_id)),
      options_(std::move(options)),
      deadline_(std::chrono::steady_clock::now() + options_.timeout),
      recheck_at_(deadline_),
      watched_{workflow_id_} {
  if (options_.request_id.empty()) options_.request_id = detail::new_uuid();
}

RunState RunWatch::look() {
  return executor_.run_state(workflow_id_, options_.wait_until_task_refs, options_.request_id);
}

std::optional<RunState> RunWatch::attempt(std::function<void()> wake) {
  recheck_at_ = std::chrono::steady_clock::now() + kRecheckInterval;
  // Armed before the look, so a change committed between the look and the wait is not missed; armed
  // again when the look finds sub-workflows it did not watch yet.
  waiter_ = executor_.wait_for_change(watched_, wake);
  while (true) {
    RunState state = look();
    if (state.settled()) {
      waiter_.cancel();
      return state;
    }
    if (state.workflow_ids == watched_) return std::nullopt;
    watched_ = std::move(state.workflow_ids);
    waiter_ = executor_.wait_for_change(watched_, wake);
  }
}

RunState RunWatch::finish() {
  waiter_.cancel();
  RunState state = look();
  if (!state.settled()) {
    // Conductor answers a timeout with the target alone, whatever it was running.
    state.timed_out = true;
    state.blocking_workflow = state.target;
  }
  return state;
}

}  // namespace conductor
