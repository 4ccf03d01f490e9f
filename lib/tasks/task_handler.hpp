#pragma once

#include <conductor/clock.hpp>
#include <conductor/limits.hpp>
#include <conductor/model/event_handler.hpp>
#include <conductor/model/requests.hpp>
#include <conductor/model/workflow.hpp>

#include "decider/parameters.hpp"
#include "decider/shared_definitions.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conductor::detail {

class HttpClient;
class InputResolver;
class TaskRegistry;

/// What a mapper needs to turn one definition node into tasks (Conductor's TaskMapperContext).
struct MapperContext {
  const Workflow& workflow;
  const WorkflowTask& node;
  const TaskDef* task_def;  ///< the definition attached to the node at start, if any
  std::string task_id;      ///< the id the (first) mapped task gets
  int retry_count = 0;
  EpochMillis now = 0;
  InputResolver& inputs;
  /// Maps another node (a SWITCH case head, a FORK branch head) with the same rules and this
  /// context's retry count.
  std::function<std::vector<Task>(const WorkflowTask&)> map_node;
  /// Every known type (a dynamic fork asks whether its fork type is a system type).
  const TaskRegistry* registry = nullptr;
  /// The registered definition of a task name: nodes made at run time (dynamic forks, DYNAMIC)
  /// carry none from the start.
  std::function<std::optional<TaskDef>(std::string_view)> find_task_def;
  /// The engine's bounds (a dynamic fork's branches).
  Limits limits;
  /// Where the definition's nodes are shared with the tasks made from them; none: tasks copy them.
  SharedDefinitions* definitions = nullptr;

  /// A task with the fields every mapped task gets (semantics.md §2.7).
  Task new_task(std::string_view task_type) const;
  /// The node's input resolved with this task's id and the TaskDef's input template.
  JsonObject task_input() const;
  /// The node's input resolved without a task id and without the template ("context input").
  JsonObject context_input() const;
};

/// The fixed id and parent link of a child workflow a SUB_WORKFLOW task starts.
struct ChildLink {
  std::string workflow_id;
  std::string parent_workflow_id;
  std::string parent_workflow_task_id;
};

/// The effects a system task may ask of the engine beyond changing its own task and workflow. The
/// executor carries them out as part of the change being computed (all of it commits or none);
/// a unit test fakes them.
class TaskEffects {
 public:
  virtual ~TaskEffects() = default;
  /// Starts a workflow and returns its id. With `child`, the start is idempotent: the workflow with
  /// that id is returned when it exists (ConflictError when its parent differs).
  virtual std::string start_workflow(const StartWorkflowRequest& request, const ChildLink* child) = 0;
  /// A workflow, without its tasks, as the change sees it.
  virtual std::optional<Workflow> find_workflow(std::string_view workflow_id) = 0;
  virtual void terminate_workflow(std::string_view workflow_id, std::string_view reason) = 0;
  /// Maps the first node of a DO_WHILE body for `iteration`, names its tasks `ref__<iteration>` and
  /// schedules them. Appends to workflow.tasks, so references into it do not survive the call.
  virtual void schedule_iteration(Workflow& workflow, const WorkflowTask& body_head, int retry_count,
                                  int iteration) = 0;
  /// Removes a task of the workflow being decided, with its queue message.
  virtual void remove_task(const Task& task) = 0;
  /// Publishes a message to the engine's own event queue as part of the change: it is stored exactly
  /// when the change commits.
  virtual void publish_event(const EventMessage& message) = 0;
  /// The engine's properties, for `${...}` references in scripts' inputs.
  virtual const PropertyMap& properties() const = 0;
  /// The size limit of a workflow's variables.
  virtual std::int64_t max_workflow_variables_kb() const = 0;
  /// The engine's bounds (DO_WHILE iterations).
  virtual const Limits& limits() const = 0;
};

/// What a system task's start/execute/cancel may touch: the workflow being decided (its variables,
/// for SET_VARIABLE) and the effects above.
struct SystemTaskContext {
  Workflow& workflow;
  EpochMillis now = 0;
  TaskEffects& effects;
};

/// One task type: how a node of this type becomes tasks (the mapper) and, for system types, how the
/// engine runs them. Conductor keeps these halves in two classes; here each type is one file.
class TaskHandler {
 public:
  virtual ~TaskHandler() = default;
  virtual std::string_view type() const = 0;
  virtual std::vector<Task> map(const MapperContext& context) const = 0;

  /// False for worker tasks (SIMPLE and user-defined types), which go to a worker queue.
  virtual bool is_system() const { return true; }
  /// Async system tasks run from their own queue; sync ones inside the decide loop.
  virtual bool is_async() const { return false; }
  /// Whether execute() runs on every decide while the task is not terminal: always for sync tasks;
  /// an async task opts in when its evaluation only reads the workflow (JOIN), so the decide that
  /// ends its last input also ends it instead of waiting for the next queue delivery.
  virtual bool executes_in_decide() const { return !is_async(); }
  /// Called once when the task is scheduled (sync) or first picked up (async).
  virtual void start(Task& /*task*/, SystemTaskContext& /*context*/) const {}
  /// Called on every decide (sync) or queue delivery (async) while the task is not terminal.
  /// Returns true when it changed the task.
  virtual bool execute(Task& /*task*/, SystemTaskContext& /*context*/) const { return false; }
  /// Whether the task's work is a call out of the process over HTTP. Once such an async task is
  /// IN_PROGRESS the engine makes the call on its own threads, never inside a change or under the
  /// storage writer, and stores the result through the task-update path; execute() then only sees a
  /// redelivery (the call was lost with its process and is made again).
  virtual bool calls_out() const { return false; }
  /// Starts that call for a running task; `done` receives the task's result exactly once, on the
  /// client's thread, unless the engine shuts down first.
  virtual void call(const Task& /*task*/, HttpClient& /*client*/, std::function<void(TaskResult)> /*done*/) const {}
  /// Called when the workflow ends while the task is still running.
  virtual void cancel(Task& task, SystemTaskContext& /*context*/) const { task.status = TaskStatus::kCanceled; }
  /// Seconds before an async task that is still running is evaluated again.
  virtual std::int64_t evaluation_offset_seconds(const Task& /*task*/, EpochMillis /*now*/) const { return 30; }
  /// Whether something outside the engine finishes the task once it runs: input `asyncComplete` when
  /// present, else the node's flag.
  virtual bool is_async_complete(const Task& task) const {
    if (const auto* flag = task.input_data.if_contains("asyncComplete")) return flag->is_bool() && flag->as_bool();
    return task.workflow_task && task.workflow_task->async_complete;
  }
  /// Called by the sweeper when a workflow made no progress, to catch up on a change it missed.
  /// Returns true when it changed the task.
  virtual bool repair(Task& /*task*/, SystemTaskContext& /*context*/) const { return false; }

  // How the decider and the workflow operations treat a type (semantics.md §2, §6). Each query has a
  // default for the plain case; the types that differ override it in their own file.

  /// Whether a node of this type without a registered TaskDef keeps TaskDef's defaults (retries, a
  /// response timeout). Other types get an ad-hoc definition with neither, so a system task is not
  /// retried or timed out unless a TaskDef of its name is registered (§2.16 step 2).
  virtual bool keeps_task_def_defaults() const { return false; }
  /// The child workflow whose latest version a node runs, fixed when its workflow starts rather than
  /// when the node is reached (§2.16 step 2); none when the node fixes the version itself, carries the
  /// child's definition, or names the child through an expression (resolved when scheduled).
  virtual std::optional<std::string> child_pinned_at_start(const WorkflowTask& /*node*/) const { return std::nullopt; }
  /// How many seconds the decider may leave the workflow alone while this task is not terminal
  /// (§2.13); none to fall back on the task's timeouts. `offset_seconds` is the engine's default
  /// re-check interval (workflowOffsetTimeout).
  virtual std::optional<std::int64_t> decider_wait_seconds(const Task& /*task*/, EpochMillis /*now*/,
                                                           std::int64_t /*offset_seconds*/) const {
    return std::nullopt;
  }
  /// Lazy updates (§2.15): a successful update of a task that lies in a static fork and that a join
  /// waits on does not decide the workflow; the join does once it ends. Whether `ref` lies in this
  /// fork node.
  virtual bool forks_lazily_to(const WorkflowTask& /*node*/, std::string_view /*ref*/) const { return false; }
  /// Whether this node is a join that ends by itself once `ref` ends, so that `ref`'s update need not
  /// decide the workflow (§2.15).
  virtual bool joins_lazily_on(const WorkflowTask& /*node*/, std::string_view /*ref*/) const { return false; }
  /// Whether a failed task of this type gets new attempts from the decider under its retry count.
  /// Control-flow types never do: their failure fails the workflow unless the node is optional or
  /// permissive (§4.4 step 2).
  virtual bool retries_on_failure() const { return true; }
  /// Whether the task itself stands for the next step: a case task that mapped its chosen case's
  /// tasks with it, so the decider looks for no node after it; the end of the case leads on (§2.6).
  virtual bool leads_into_branch(const Task& /*task*/) const { return false; }
  /// Whether the task, as it stands, ends the workflow whatever else is pending, with its own output
  /// as the workflow's (§2.9, §2.14, §5.13).
  virtual bool ends_workflow(const Task& /*task*/) const { return false; }
  /// Whether the type repeats a body: the body's last task leads back to the existing loop task, the
  /// body's tasks carry the iteration (`ref__<n>`) and the loop task does not, and the failure behind
  /// a failed loop is one of its body's tasks (§2.6 step 4, §5.9, §6.5).
  virtual bool is_loop() const { return false; }
  /// Whether the task starts a child workflow and ends as the child ends (`subWorkflowId`): retry and
  /// rerun reach into that child, and running the task again starts a fresh one (§6.5, §6.6, §6.13).
  virtual bool runs_child_workflow() const { return false; }
  /// Whether the task waits for the tasks its input `joinOn` names; a failed one whose joinOn holds a
  /// permissive failure waits again on workflow retry instead of being retried (§6.5 step 2).
  virtual bool joins_tasks() const { return false; }
  /// Whether a canceled or failed task of this type, when a retry, a rerun or a resumed child brings
  /// the workflow back, goes back to IN_PROGRESS to evaluate again what it waits on, rather than being
  /// scheduled anew (§6.5 step 2, §6.6 step 8, §6.13 step 4).
  virtual bool resumes_waiting() const { return false; }
  /// Whether workflow retry resets a failed task of this type in place (same id, retry count + 1,
  /// IN_PROGRESS) and leaves new attempts to the tasks it controls (§6.5 step 5).
  virtual bool retried_in_place() const { return false; }
  /// Whether a rerun from this node's task maps the node again from its current input, replacing the
  /// task and what it scheduled, because the node's tasks depend on that input (§6.6 step 8).
  virtual bool remapped_on_rerun() const { return false; }
};

/// Finds the handler of a node type or runtime task type; one explicit list in registry.cpp.
class TaskRegistry {
 public:
  TaskRegistry();
  ~TaskRegistry();
  /// The handler for a system type; null for anything run by workers.
  const TaskHandler* find_system(std::string_view type) const;
  /// The mapper for a node: its type's handler (system or not, e.g. DYNAMIC), or the worker-task
  /// mapper for unknown types.
  const TaskHandler& mapper_for(const WorkflowTask& node) const;
  bool is_system(std::string_view task_type) const { return find_system(task_type) != nullptr; }
  bool is_async_system(std::string_view task_type) const;
  /// Every async system type, each served from the queue named after it.
  std::vector<const TaskHandler*> async_handlers() const;

 private:
  std::vector<std::unique_ptr<TaskHandler>> handlers_;
  const TaskHandler* user_defined_ = nullptr;
};

}  // namespace conductor::detail
