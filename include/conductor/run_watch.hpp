#pragma once

#include <conductor/export.hpp>
#include <conductor/workflow_run.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace conductor {

class WorkflowExecutor;

/// Waits for a run to end or block without holding a thread: what a synchronous execute or signal
/// does between the start (or the signal) and its answer. attempt() looks at the run and, when there
/// is nothing to answer yet, arms `wake` to be called after the next committed change of a workflow
/// it looked into; the caller attempts again then, or calls finish() at deadline().
///
/// Changes committed by this process wake it at once. Another process sharing the database wakes
/// nobody here, so a waiter also looks again at recheck_at().
///
///     RunWatch watch(engine.executor(), id, {.timeout = std::chrono::seconds(5)});
///     if (auto state = watch.attempt([&] { loop.post(try_again); })) answer(*state);
///     // else at a wake: attempt() again; at watch.deadline(): answer(watch.finish())
///
/// Not thread-safe: one caller at a time. Must not outlive the Engine.
class CONDUCTOR_EXPORT RunWatch {
 public:
  /// Starts the timeout now. The request id is drawn here when `options` has none.
  RunWatch(WorkflowExecutor& executor, std::string workflow_id, WaitOptions options);

  std::chrono::steady_clock::time_point deadline() const { return deadline_; }
  /// When to look again although no wake came (a change made by another process).
  std::chrono::steady_clock::time_point recheck_at() const { return recheck_at_; }

  /// Arms `wake` (called on the committing thread, possibly before this returns, and at worst twice
  /// for one attempt), then looks. The state when the run has ended or blocked; nullopt to keep waiting.
  /// Throws NotFoundError when the workflow is gone.
  std::optional<RunState> attempt(std::function<void()> wake);
  /// Withdraws the armed wake and looks a last time: the state, timed out unless it has settled.
  RunState finish();
  /// Withdraws the armed wake.
  void disarm() { waiter_.cancel(); }

 private:
  RunState look();

  WorkflowExecutor& executor_;
  std::string workflow_id_;
  WaitOptions options_;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::steady_clock::time_point recheck_at_;
  std::vector<std::string> watched_;
  WorkflowWaiter waiter_;
};

}  // namespace conductor
