#include <conductor/workflow_executor.hpp>

#include <conductor/error.hpp>

#include "engine_core.hpp"
#include "session.hpp"

namespace conductor {

using detail::in_session;

std::string WorkflowExecutor::start_workflow(const StartWorkflowRequest& request) {
  return in_session(core_, [&](detail::Session& s) { return core_.ops().start(s, request); });
}

std::optional<Workflow> WorkflowExecutor::find_workflow(std::string_view workflow_id, bool include_tasks) {
  return core_.storage().begin(TransactionMode::kRead)->execution().find_workflow(workflow_id, include_tasks);
}

Workflow WorkflowExecutor::get_workflow(std::string_view workflow_id, bool include_tasks) {
  auto wf = find_workflow(workflow_id, include_tasks);
  if (!wf) throw NotFoundError("No such workflow found by id: " + std::string(workflow_id));
  return std::move(*wf);
}

std::vector<std::string> WorkflowExecutor::running_workflow_ids(std::string_view name, std::optional<int> version) {
  return core_.storage().begin(TransactionMode::kRead)->execution().running_workflow_ids(name, version);
}

std::vector<Workflow> WorkflowExecutor::workflows_by_correlation_id(std::string_view name,
                                                                    std::string_view correlation_id,
                                                                    bool include_closed, bool include_tasks) {
  auto tx = core_.storage().begin(TransactionMode::kRead);
  auto found = tx->execution().workflows_by_correlation_id(name, correlation_id, include_closed);
  if (include_tasks)
    for (auto& wf : found) wf.tasks = tx->execution().tasks_of(wf.workflow_id);
  return found;
}

void WorkflowExecutor::decide(std::string_view workflow_id) {
  in_session(core_, [&](detail::Session& s) {
    auto wf = core_.ops().load(s, workflow_id);
    core_.ops().decide(s, wf);
  });
}

void WorkflowExecutor::pause(std::string_view workflow_id) {
  in_session(core_, [&](detail::Session& s) { core_.ops().pause(s, workflow_id); });
}

void WorkflowExecutor::resume(std::string_view workflow_id) {
  in_session(core_, [&](detail::Session& s) { core_.ops().resume(s, workflow_id); });
}

void WorkflowExecutor::terminate(std::string_view workflow_id, std::string_view reason) {
  in_session(core_, [&](detail::Session& s) { core_.ops().terminate(s, workflow_id, reason); });
}

void WorkflowExecutor::remove(std::string_view workflow_id) {
  in_session(core_, [&](detail::Session& s) {
    auto wf = core_.ops().load(s, workflow_id);
    for (const auto& t : wf.tasks) s.queues().remove(detail::WorkflowOps::queue_name(t), t.task_id);
    s.execution().remove_workflow(workflow_id);
    s.index().remove_workflow(workflow_id);
    s.queues().remove("_deciderQueue", workflow_id);
  });
}

SearchResult<WorkflowSummary> WorkflowExecutor::search(const SearchQuery& query) {
  return core_.storage().begin(TransactionMode::kRead)->index().search_workflows(query);
}

void WorkflowExecutor::add_listener(std::shared_ptr<StatusListener> listener) {
  core_.add_listener(std::move(listener));
}

}  // namespace conductor
