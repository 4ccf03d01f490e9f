#pragma once

#include <conductor/clock.hpp>
#include <conductor/export.hpp>
#include <conductor/listener.hpp>
#include <conductor/model.hpp>
#include <conductor/workflow_run.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conductor {

namespace detail {
class EngineCore;
}

/// Starts and operates workflows (Conductor's WorkflowExecutor and WorkflowService).
///
/// Every call is one storage transaction: the change and the decide it triggers commit together or
/// not at all. Safe to call from any thread; changes to one workflow are serialized. Obtained from an
/// Engine and valid while it lives.
///
///     conductor::Engine engine({.storage = conductor::open_sqlite({.path = "app.db"})});
///     auto id = engine.executor().start_workflow({.name = "order", .input = conductor::JsonObject{{"id", 7}}});
///     auto wf = engine.executor().get_workflow(id);
class CONDUCTOR_EXPORT WorkflowExecutor {
 public:
  WorkflowExecutor(const WorkflowExecutor&) = delete;
  WorkflowExecutor& operator=(const WorkflowExecutor&) = delete;

  /// Starts a workflow and schedules its first tasks; returns its id. Throws NotFoundError for an
  /// unknown definition, ValidationError for bad input, ConflictError per the idempotency strategy.
  std::string start_workflow(const StartWorkflowRequest& request);

  /// Throws NotFoundError.
  Workflow get_workflow(std::string_view workflow_id, bool include_tasks = true);
  std::optional<Workflow> find_workflow(std::string_view workflow_id, bool include_tasks = true);
  std::vector<std::string> running_workflow_ids(std::string_view name, std::optional<int> version = {});
  /// Ids of the workflows of this name and version, in any status, created within [start_time,
  /// end_time] (inclusive), as the search index records them.
  std::vector<std::string> workflow_ids_created_between(std::string_view name, int version, EpochMillis start_time,
                                                        EpochMillis end_time);
  std::vector<Workflow> workflows_by_correlation_id(std::string_view name, std::string_view correlation_id,
                                                    bool include_closed, bool include_tasks);
  /// A page of the workflow's tasks in seq order, keeping only `statuses` when not empty; `total_hits`
  /// counts every task kept. ValidationError for a negative `start` or `count`, NotFoundError.
  SearchResult<Task> workflow_tasks(std::string_view workflow_id, int start, int count,
                                    const std::vector<TaskStatus>& statuses = {});

  /// What an event handler's actions did with the messages of its event (Conductor's
  /// getEventExecutions): one record per action and message, of one message when `message_id` is
  /// given, oldest first, at most `max`.
  std::vector<EventExecution> event_executions(std::string_view handler_name, std::string_view event,
                                               std::optional<std::string_view> message_id = {}, int max = 100);

  /// Re-evaluates the workflow now (Conductor's decide API). Throws NotFoundError.
  void decide(std::string_view workflow_id);
  /// RUNNING → PAUSED: no new tasks are scheduled until resume. ConflictError when it has ended.
  void pause(std::string_view workflow_id);
  /// PAUSED → RUNNING and decide. ConflictError when not PAUSED.
  void resume(std::string_view workflow_id);
  /// Ends the workflow as TERMINATED, canceling its running tasks. ConflictError when it already ended
  /// successfully.
  void terminate(std::string_view workflow_id, std::string_view reason);
  /// Deletes the workflow and its tasks from the store and their queue messages. With `archive` the
  /// workflow must have ended (ValidationError otherwise) and its search-index entries are kept.
  /// NotFoundError when absent.
  void remove(std::string_view workflow_id, bool archive = false);
  /// terminate, then remove, in one transaction: nothing is removed when terminate is refused.
  void terminate_remove(std::string_view workflow_id, std::string_view reason, bool archive = false);

  /// Runs an ended workflow again from its first task under the same id, with the stored definition
  /// or the latest registered one. ConflictError while it runs; NotFoundError for a COMPLETED workflow
  /// whose definition is not restartable, or when there is no latest definition.
  void restart(std::string_view workflow_id, bool use_latest_definitions = false);
  /// Schedules new attempts of the failed, timed-out and canceled tasks of an ended workflow and
  /// resumes its parents. With `resume_subworkflow_tasks` the deepest failed sub-workflow is retried
  /// in place instead. NotFoundError while it runs (as Conductor); ConflictError when it has no tasks or
  /// nothing to retry (unless it TIMED_OUT).
  void retry(std::string_view workflow_id, bool resume_subworkflow_tasks = false);
  /// Runs an ended workflow again in place: from the start, or from `request.re_run_from_task_id` (also
  /// searched inside sub-workflows); `request.re_run_from_workflow_id` is ignored. ConflictError
  /// while it runs; ValidationError when the task is not found.
  void rerun(std::string_view workflow_id, const RerunWorkflowRequest& request);
  /// Records the node `task_reference_name` as SKIPPED before it runs, so the workflow passes over it.
  /// ConflictError when the workflow is not RUNNING, the node does not exist, or a task for it exists
  /// already.
  void skip_task(std::string_view workflow_id, std::string_view task_reference_name,
                 const SkipTaskRequest& request = {});
  /// Makes worker tasks waiting on callbackAfterSeconds pollable now. ConflictError when ended.
  void reset_callbacks(std::string_view workflow_id);

  /// Makes sure the sweeper will evaluate the workflow: queues it for the decider unless it is queued
  /// already. True when it was not (Conductor's admin sweep requeue). NotFoundError when absent.
  bool requeue_sweep(std::string_view workflow_id);
  /// Puts back what a running workflow must have queued and is missing: its decider message, and the
  /// queue message of each SCHEDULED task a worker or the sweeper must pick up. True when anything
  /// was repaired (Conductor's verifyAndRepair). NotFoundError when absent.
  bool verify_and_repair(std::string_view workflow_id);

  /// Summaries of the workflows `query` matches; for the full workflows, find_workflow() each hit
  /// (one that is gone meanwhile was removed). ValidationError for a page above 5000.
  SearchResult<WorkflowSummary> search(const SearchQuery& query);
  /// Searches tasks with `query` and answers the workflows they belong to, each once, in hit order;
  /// `total_hits` is the task hit count less the hits dropped from the page (repeats, missing).
  SearchResult<WorkflowSummary> search_by_tasks(const SearchQuery& query);

  /// Starts a workflow and waits until it ends, blocks (RunState::blocking_tasks) or `options.timeout`
  /// passes, then answers where it stands (Conductor's synchronous execute). Blocks the calling
  /// thread only: the waiting holds no lock and is woken by the commits that change the run.
  /// Throws like start_workflow.
  RunState execute(const StartWorkflowRequest& request, const WaitOptions& options = {});
  /// Where the run of `workflow_id` stands now, looking into its running sub-workflows: what execute
  /// answers once it stops waiting (never timed out). NotFoundError.
  RunState run_state(std::string_view workflow_id, const std::vector<std::string>& wait_until_task_refs = {},
                     std::string request_id = {});
  /// Calls `on_change` once, on the committing thread, after the next committed change to any of
  /// `workflow_ids`; for hosts that wait without a thread (see RunWatch). It must be quick and not
  /// call back into the engine.
  [[nodiscard]] WorkflowWaiter wait_for_change(const std::vector<std::string>& workflow_ids,
                                               std::function<void()> on_change);

  /// Completes (or fails, per `status`) the run's task that waits for a signal: the first WAIT task
  /// of the workflow that has not ended, else the same, depth first, in its running sub-workflows.
  /// `output` is merged into the task's output and the workflow moves on in the same transaction.
  /// Returns the updated task; nullopt when nothing waits for a signal. NotFoundError for an unknown
  /// workflow.
  std::optional<Task> signal(std::string_view workflow_id, TaskResultStatus status, const JsonObject& output);
  /// signal(), then waits like execute() for the run to end or block again. NotFoundError when
  /// nothing waits for a signal.
  RunState signal_and_wait(std::string_view workflow_id, TaskResultStatus status, const JsonObject& output,
                           const WaitOptions& options = {});

  /// Runs a workflow once with mocked task results (Conductor's workflow test): its tasks go to a
  /// throw-away domain no worker polls, each task whose reference name has mocks takes the next one
  /// as its result, operators (forks, joins, switches, loops, inline scripts, sub-workflows, ...)
  /// run as usual, and sub-workflows get their own mocks. Stops when the workflow ends, when a task
  /// that needs a result has no mock left, or when nothing moves any more (only time would). Answers
  /// the workflow as it stands then and removes it and its sub-workflows: a test leaves no execution
  /// behind (workflows it starts otherwise, by START_WORKFLOW or as a failure workflow, are real).
  /// Throws like start_workflow.
  Workflow test_workflow(const WorkflowTestRequest& request);

  /// Registers a listener for committed transitions; it lives as long as the engine holds it.
  void add_listener(std::shared_ptr<StatusListener> listener);

 private:
  friend class detail::EngineCore;
  explicit WorkflowExecutor(detail::EngineCore& core) : core_(core) {}

  detail::EngineCore& core_;
};

}  // namespace conductor
