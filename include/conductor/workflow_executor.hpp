#pragma once

#include <conductor/export.hpp>
#include <conductor/listener.hpp>
#include <conductor/model.hpp>
#include <conductor/storage/storage.hpp>

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
  explicit WorkflowExecutor(detail::EngineCore& core) : core_(core) {}
  WorkflowExecutor(const WorkflowExecutor&) = delete;
  WorkflowExecutor& operator=(const WorkflowExecutor&) = delete;

  /// Starts a workflow and schedules its first tasks; returns its id. Throws NotFoundError for an
  /// unknown definition, ValidationError for bad input, ConflictError per the idempotency strategy.
  std::string start_workflow(const StartWorkflowRequest& request);

  /// Throws NotFoundError.
  Workflow get_workflow(std::string_view workflow_id, bool include_tasks = true);
  std::optional<Workflow> find_workflow(std::string_view workflow_id, bool include_tasks = true);
  std::vector<std::string> running_workflow_ids(std::string_view name, std::optional<int> version = {});
  std::vector<Workflow> workflows_by_correlation_id(std::string_view name, std::string_view correlation_id,
                                                    bool include_closed, bool include_tasks);

  /// Re-evaluates the workflow now (Conductor's decide API). Throws NotFoundError.
  void decide(std::string_view workflow_id);
  /// RUNNING → PAUSED: no new tasks are scheduled until resume. ConflictError when not RUNNING/PAUSED.
  void pause(std::string_view workflow_id);
  /// PAUSED → RUNNING and decide. ConflictError when not PAUSED.
  void resume(std::string_view workflow_id);
  /// Ends the workflow as TERMINATED, canceling its running tasks. ConflictError when it already ended
  /// successfully.
  void terminate(std::string_view workflow_id, std::string_view reason);
  /// Deletes the workflow and its tasks. NotFoundError when absent.
  void remove(std::string_view workflow_id);

  SearchResult<WorkflowSummary> search(const SearchQuery& query);

  /// Registers a listener for committed transitions; it lives as long as the engine holds it.
  void add_listener(std::shared_ptr<StatusListener> listener);

 private:
  detail::EngineCore& core_;
};

}  // namespace conductor
