#pragma once

#include <conductor/clock.hpp>
#include <conductor/error.hpp>
#include <conductor/limits.hpp>
#include <conductor/model/workflow.hpp>

#include "decider/shared_definitions.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conductor::detail {

class InputResolver;
class TaskRegistry;

/// Ends the workflow other than by normal completion (Conductor's TerminateWorkflowException).
struct Termination {
  WorkflowStatus status = WorkflowStatus::kFailed;
  std::string reason;
  std::optional<std::string> failed_task_id;
  /// When set, the workflow output is this task's output (retry exhausted) unless outputParameters say
  /// otherwise.
  std::optional<std::string> last_task_id;
};

/// Thrown by mappers and by the decider's own checks; decide() turns it into DeciderOutcome::terminate,
/// and the executor into a termination when a system task's mapping raises it. An Error, so that a
/// path that fails to turn it into an outcome still ends as an error, never in std::terminate.
struct TerminateWorkflow : Error {
  explicit TerminateWorkflow(Termination t) : Error(ErrorCode::kInternal, t.reason), termination(std::move(t)) {}
  Termination termination;
};

/// What one evaluation of a workflow decided (Conductor's DeciderOutcome).
struct DeciderOutcome {
  std::vector<Task> to_schedule;  ///< new tasks, plus non-terminal system tasks to execute again
  std::vector<Task> to_update;    ///< changed copies of existing tasks
  bool complete = false;
  std::optional<std::string> terminate_task_id;  ///< a successful TERMINATE that ends the workflow
  std::optional<Termination> terminate;
};

/// Everything the decider reads besides the workflow; no I/O behind any of it.
struct DeciderEnv {
  const TaskRegistry& registry;
  InputResolver& inputs;
  EpochMillis now = 0;
  std::function<std::string()> new_id;
  /// Uniform integer in [0, max]; retry jitter.
  std::function<int(int max)> jitter;
  /// The registered task definition of a name, for nodes made at run time.
  std::function<std::optional<TaskDef>(std::string_view name)> find_task_def;
  /// The engine's bounds (a dynamic fork's branches).
  Limits limits;
  /// Where the definition's nodes are shared with the tasks made from them; none: tasks copy them.
  SharedDefinitions* definitions = nullptr;
};

/// Conductor's DeciderService.decide: a pure function of the workflow (with its tasks, ordered by
/// seq, and its definition snapshot with task definitions attached) and the environment.
DeciderOutcome decide(const Workflow& workflow, const DeciderEnv& env);

/// Maps one node into new tasks (semantics.md §2.7), used by the decider and by workflow operations.
std::vector<Task> map_node(const Workflow& workflow, const WorkflowTask& node, int retry_count, const DeciderEnv& env);

/// The task definition that governs a task: the one attached to its node.
const TaskDef* task_def_of(const Workflow& workflow, const Task& task);

/// The node a task was created from: its own copy, else the definition's node with its reference name.
const WorkflowTask* node_of(const Workflow& workflow, const Task& task);

/// The newest task with exactly this reference name (the last in list order), or null.
const Task* latest_task(const Workflow& workflow, std::string_view ref);

/// Workflow output (semantics.md §2.14): the output of a task that ended the workflow by itself (its
/// handler's ends_workflow), the resolved outputParameters, or the output of `last_task` (the last
/// task when null).
JsonObject workflow_output(const Workflow& workflow, const TaskRegistry& registry, InputResolver& inputs,
                           const Task* last_task);

}  // namespace conductor::detail
