#pragma once

#include <conductor/export.hpp>
#include <conductor/model.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace conductor {

class WorkflowExecutor;

namespace detail {
class WorkflowWatchers;
}

/// How long a synchronous execute or signal waits, and for what.
struct WaitOptions {
  /// Besides the run ending or reaching a WAIT task without a duration, stop when one of the tasks
  /// with these reference names has ended (searched through running sub-workflows too).
  std::vector<std::string> wait_until_task_refs;
  /// How long to wait; zero looks once.
  std::chrono::milliseconds timeout{10'000};
  /// Echoed in RunState::request_id; a random UUID when empty. Identifies the call to its caller
  /// only: two calls with the same id start two workflows, as in Conductor.
  std::string request_id;
};

/// Where a workflow run stands for a caller that waited on it (Conductor's NotificationResult).
struct RunState {
  /// The workflow the call was about, with its tasks.
  Workflow target;
  /// What the run waits on, in the order found (the target's tasks in order, each running
  /// sub-workflow's after the task that started it): WAIT tasks without a duration or end time that
  /// have not ended, and tasks named in WaitOptions::wait_until_task_refs that have ended. Empty when
  /// the run has ended without blocking, or when the wait timed out.
  std::vector<Task> blocking_tasks;
  /// The workflow holding the first blocking task (the target or one of its sub-workflows); the
  /// target when nothing blocks.
  Workflow blocking_workflow;
  /// The wait ended at its timeout: the run had neither ended nor blocked.
  bool timed_out = false;
  std::string request_id;
  /// The workflows looked into: the target and its running sub-workflows.
  std::vector<std::string> workflow_ids;

  /// The run has ended or blocked: nothing left to wait for.
  bool settled() const { return is_terminal(target.status) || !blocking_tasks.empty(); }
};

/// A wake-up registered with WorkflowExecutor::wait_for_change. Move-only; destroying it cancels
/// the wait. Must not outlive the Engine.
class CONDUCTOR_EXPORT WorkflowWaiter {
 public:
  WorkflowWaiter() = default;
  WorkflowWaiter(WorkflowWaiter&& other) noexcept;
  WorkflowWaiter& operator=(WorkflowWaiter&& other) noexcept;
  ~WorkflowWaiter();
  WorkflowWaiter(const WorkflowWaiter&) = delete;
  WorkflowWaiter& operator=(const WorkflowWaiter&) = delete;

  /// Withdraws the callback. True when it had not fired and now never will. Never blocks.
  bool cancel() noexcept;

 private:
  friend class WorkflowExecutor;
  WorkflowWaiter(detail::WorkflowWatchers& watchers, std::uint64_t id) : watchers_(&watchers), id_(id) {}

  detail::WorkflowWatchers* watchers_ = nullptr;
  std::uint64_t id_ = 0;
};

/// One mocked result of a task in a workflow test: applied as a worker's update would be.
struct TaskMock {
  TaskResultStatus status = TaskResultStatus::kCompleted;
  JsonObject output;
};

/// A workflow to run once with mocked task results (Conductor's WorkflowTestRequest).
struct WorkflowTestRequest {
  StartWorkflowRequest start;
  /// Per reference name, the results its successive tasks receive, in order.
  std::map<std::string, std::vector<TaskMock>> task_ref_to_mock_output;
  /// Per SUB_WORKFLOW reference name, the mocks of the sub-workflow it starts.
  std::map<std::string, WorkflowTestRequest> sub_workflow_test_request;
};

}  // namespace conductor
