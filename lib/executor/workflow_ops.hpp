#pragma once

#include <conductor/listener.hpp>
#include <conductor/storage/storage.hpp>
#include <conductor/model.hpp>

#include "decider/decider.hpp"
#include "executor/change.hpp"
#include "tasks/task_handler.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conductor::detail {

class AfterCommit;
class EngineCore;
class TaskHandler;

inline constexpr std::string_view kDeciderQueue = "_deciderQueue";

/// The task with this id in the workflow's list, or null.
Task* find_by_id(Workflow& wf, std::string_view task_id);
/// Conductor's short workflow label `name.version/id`.
std::string short_label(const Workflow& wf);

/// The engine's state changes, each applied inside a caller's Change (Conductor's
/// WorkflowExecutorOps). Facades run the change (run_change), which calls one of these and commits.

class WorkflowOps {
 public:
  explicit WorkflowOps(EngineCore& core) : core_(core) {}

  /// Starts a workflow and decides it inline. With `child` the start is idempotent (semantics.md
  /// §2.16): an existing workflow with that id is returned as is (ConflictError when its parent
  /// differs), and a new child is queued for its first decide instead of being decided now.
  std::string start(Change& s, const StartWorkflowRequest& request, const ChildLink* child = nullptr);
  /// Loads the workflow with its tasks; NotFoundError when absent.
  Workflow load(Change& s, std::string_view workflow_id);
  /// Conductor's executor-level decide loop (semantics.md §2.3), then persists.
  void decide(Change& s, Workflow& wf);
  /// Applies a worker's result and decides. With `take_next`, once the task has ended, a task of
  /// its queue that the decide schedules goes straight to the result's worker (Change::offer); the
  /// poll data records that worker's poll.
  Task update_task(Change& s, const TaskResult& result, bool take_next = false);
  /// Hands out up to `count` tasks of a queue; runs under the writer, so each message goes to one
  /// poller (semantics.md §3).
  std::vector<Task> poll(Transaction& tx, AfterCommit& after, std::string_view task_type, std::string_view worker_id,
                         std::optional<std::string_view> domain, int count);
  /// The sweeper's work for one workflow popped from the decider queue (semantics.md §8), as a change
  /// of its own.
  void sweep(std::string_view workflow_id);
  /// One delivery of an async system task from its queue (semantics.md §5.2), as a change of its own
  /// (after its rate and concurrency limits admitted it). Returns the running task when its handler
  /// must now make its call out (TaskHandler::calls_out), which the caller starts after the commit.
  std::optional<Task> run_system_task(const TaskHandler& handler, std::string_view task_id);
  void pause(Change& s, std::string_view workflow_id);
  void resume(Change& s, std::string_view workflow_id);
  void terminate(Change& s, std::string_view workflow_id, std::string_view reason);
  /// Maps a DO_WHILE's first body node for `iteration`, names the tasks `ref__<iteration>`, and
  /// schedules them (Conductor's scheduleNextIteration). Appends to wf.tasks, so references into it
  /// do not survive the call; a mapping error or the tasks bound throws TerminateWorkflow.
  void schedule_iteration(Change& s, Workflow& wf, const WorkflowTask& body_head, int retry_count, int iteration);
  /// A child workflow ended: brings its parent's SUB_WORKFLOW task up to date and queues the parent
  /// for a decide now (semantics.md §2.10 step 4).
  void update_parent(Change& s, const Workflow& child);

  // Workflow operations of semantics.md §6 (workflow_ops_operations.cpp).
  void restart(Change& s, std::string_view workflow_id, bool use_latest_definitions);
  void retry(Change& s, std::string_view workflow_id, bool resume_subworkflow_tasks);
  void rerun(Change& s, std::string_view workflow_id, const RerunWorkflowRequest& request);
  void skip_task(Change& s, std::string_view workflow_id, std::string_view ref, const SkipTaskRequest& request);
  void reset_callbacks(Change& s, std::string_view workflow_id);
  void remove(Change& s, std::string_view workflow_id, bool archive);

  static std::string queue_name(const Task& task);
  /// Pushes a SCHEDULED task back to the queue its worker or the sweeper takes it from (none for
  /// a synchronous system task), after its callback delay.
  void requeue(Change& s, const Task& task);

 private:
  DeciderEnv env(Change& s, InputResolver& inputs);
  /// decide() without its timing.
  void decide_unmetered(Change& s, Workflow& wf);
  void persist(Change& s, Workflow& wf);
  void persist_tasks(Change& s, Workflow& wf);
  bool execute_inline(Change& s, Workflow& wf, Task& task, const TaskHandler& handler);
  bool update_lazily(Change& s, Workflow& wf, const Task& task);
  /// Stages the tasks not in wf.tasks yet and starts the sync system ones; true when one started.
  /// Throws TerminateWorkflow, staging nothing, when they would take the workflow past
  /// Limits::max_tasks_per_workflow.
  bool schedule(Change& s, Workflow& wf, std::vector<Task>& tasks);
  /// Hands a task just scheduled to the worker the change offers it to, when it is due now and has
  /// no rate or concurrency limit (those are checked under the writer, by a poll). True when taken.
  bool hand_out(Change& s, Task& task);
  /// After the decide: records the poll of the worker a task was handed out to, or withdraws the
  /// hand-out when the decide ended that task again.
  void record_hand_out(Change& s, Workflow& wf, Change::Offer& offer);
  /// Throws ValidationError when a child linked by `child` would nest deeper than
  /// Limits::max_sub_workflow_depth below its root workflow.
  void check_depth(Change& s, const ChildLink& child, std::string_view name);
  void apply_domains(Change& s, const Workflow& wf, std::vector<Task>& tasks);
  void end_execution(Change& s, Workflow& wf, const std::optional<std::string>& terminate_task_id);
  void complete(Change& s, Workflow& wf);
  void terminate_path(Change& s, Workflow& wf, const Termination& termination);
  void terminate_workflow(Change& s, Workflow& wf, const std::string& reason, const std::string& failure_workflow,
                          const std::optional<std::string>& last_task_id);
  void cancel_non_terminal(Change& s, Workflow& wf);
  void finish(Change& s, Workflow& wf);
  void postpone_decider(Change& s, const Workflow& wf);
  /// Whether the task's rate and concurrency limits let it start now; records the admission.
  bool admit(Transaction& tx, const Task& task, EpochMillis now);
  /// Postpones a task its limits turned away; a concurrency slot that frees releases it early.
  void hold_back(Transaction& tx, const std::string& queue, const Task& task, EpochMillis now);
  void sweep(Change& s, std::string_view workflow_id);
  std::optional<Task> execute_system_task(Change& s, const TaskHandler& handler, std::string_view task_id);
  void write_task(Change& s, Task& task);
  /// Snapshots the workflow's task definitions from the registry into its nodes (semantics.md §2.16).
  void attach_task_defs(MetadataStore& metadata, WorkflowDef& def);

  // Helpers of the §6 operations.
  void notify(Change& s, WorkflowEvent event, const Workflow& wf);
  void retry_tasks(Change& s, Workflow& wf);
  bool rerun_in(Change& s, Workflow& wf, const RerunWorkflowRequest& request);
  /// A rerun's common start: the workflow RUNNING again with the request's correlation id and input,
  /// stored, queued for the decider, its parents resumed and `event` told.
  void reopen_for_rerun(Change& s, Workflow& wf, const RerunWorkflowRequest& request, WorkflowEvent event);
  void finish_rerun(Change& s, Workflow& wf, const std::string& target_id, bool in_child,
                    const RerunWorkflowRequest& request);
  void resume_parents(Change& s, const Workflow& wf, std::string_view op);
  void repair_parent_tasks(Change& s, Workflow& parent, const std::string& chain_task_id);

  EngineCore& core_;
};

}  // namespace conductor::detail
