#pragma once

#include <conductor/model.hpp>

#include "decider/decider.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conductor::detail {

class EngineCore;
class Session;
class TaskHandler;

/// The engine's state changes, each applied inside a caller's Session (Conductor's
/// WorkflowExecutorOps). Facades open the session, call one of these and commit.
class WorkflowOps {
 public:
  explicit WorkflowOps(EngineCore& core) : core_(core) {}

  std::string start(Session& s, const StartWorkflowRequest& request);
  /// Loads the workflow with its tasks; NotFoundError when absent.
  Workflow load(Session& s, std::string_view workflow_id);
  /// Conductor's executor-level decide loop (semantics.md §2.3), then persists.
  void decide(Session& s, Workflow& wf);
  Task update_task(Session& s, const TaskResult& result);
  std::vector<Task> poll(Session& s, std::string_view task_type, std::string_view worker_id,
                         std::optional<std::string_view> domain, int count);
  /// The sweeper's work for one workflow popped from the decider queue (semantics.md §8).
  void sweep(Session& s, std::string_view workflow_id);
  /// One delivery of an async system task from its queue (semantics.md §5.2).
  void run_system_task(Session& s, const TaskHandler& handler, std::string_view task_id);
  void pause(Session& s, std::string_view workflow_id);
  void resume(Session& s, std::string_view workflow_id);
  void terminate(Session& s, std::string_view workflow_id, std::string_view reason);

  static std::string queue_name(const Task& task);

 private:
  DeciderEnv env(Session& s, InputResolver& inputs);
  void persist(Session& s, Workflow& wf);
  bool schedule(Session& s, Workflow& wf, std::vector<Task>& tasks);
  void apply_domains(Session& s, const Workflow& wf, std::vector<Task>& tasks);
  void end_execution(Session& s, Workflow& wf, const std::optional<std::string>& terminate_task_id);
  void complete(Session& s, Workflow& wf);
  void terminate_path(Session& s, Workflow& wf, const Termination& termination);
  void terminate_workflow(Session& s, Workflow& wf, const std::string& reason, const std::string& failure_workflow,
                          const std::optional<std::string>& last_task_id);
  void cancel_non_terminal(Session& s, Workflow& wf);
  void finish(Session& s, Workflow& wf);
  void postpone_decider(Session& s, const Workflow& wf);
  bool admit(Session& s, const Task& task);
  void write_task(Session& s, Task& task);

  EngineCore& core_;
};

}  // namespace conductor::detail
