#include <conductor/workflow_executor.hpp>

#include <conductor/error.hpp>

#include "engine/engine_core.hpp"
#include "executor/change.hpp"
#include "executor/summaries.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <set>

namespace conductor {

using detail::run_change;

std::string WorkflowExecutor::start_workflow(const StartWorkflowRequest& request) {
  // A new workflow: nobody else can be changing it, so no lock.
  return run_change(core_, {}, [&](detail::Change& s) { return core_.ops().start(s, request); });
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

std::vector<std::string> WorkflowExecutor::workflow_ids_created_between(std::string_view name, int version,
                                                                        std::int64_t start_time,
                                                                        std::int64_t end_time) {
  // The execution store has no lookup by creation time; the index has, as Conductor's SQL DAOs use.
  std::string quoted;
  for (char c : name) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  SearchQuery query;
  query.size = 1000;
  query.query = fmt::format(R"(workflowType = "{}" AND startTime > {} AND startTime < {})", quoted, start_time - 1,
                            end_time + 1);
  std::vector<std::string> ids;
  auto tx = core_.storage().begin(TransactionMode::kRead);
  for (;; query.start += query.size) {
    auto page = tx->index().search_workflows(query);
    for (const auto& hit : page.results) {
      // `*` in a name would make the condition a pattern; keep exact matches only.
      if (hit.workflow_type == name && hit.version == version) ids.push_back(hit.workflow_id);
    }
    if (page.results.empty() || query.start + query.size >= page.total_hits) return ids;
  }
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

SearchResult<Task> WorkflowExecutor::workflow_tasks(std::string_view workflow_id, int start, int count,
                                                   const std::vector<TaskStatus>& statuses) {
  if (start < 0 || count < 0)
    throw ValidationError(fmt::format("start ({}) and count ({}) cannot be negative", start, count));
  auto wf = get_workflow(workflow_id, true);
  std::erase_if(wf.tasks, [&](const Task& t) {
    return !statuses.empty() && std::find(statuses.begin(), statuses.end(), t.status) == statuses.end();
  });
  SearchResult<Task> page{static_cast<std::int64_t>(wf.tasks.size()), {}};
  const auto first = std::min<std::size_t>(static_cast<std::size_t>(start), wf.tasks.size());
  const auto last = std::min<std::size_t>(first + static_cast<std::size_t>(count), wf.tasks.size());
  page.results.assign(std::make_move_iterator(wf.tasks.begin() + first), std::make_move_iterator(wf.tasks.begin() + last));
  return page;
}

std::vector<EventExecution> WorkflowExecutor::event_executions(std::string_view handler_name, std::string_view event,
                                                               std::optional<std::string_view> message_id, int max) {
  return core_.storage().begin(TransactionMode::kRead)->events().executions(handler_name, event, message_id, max);
}

void WorkflowExecutor::decide(std::string_view workflow_id) {
  run_change(core_, workflow_id, [&](detail::Change& s) {
    auto wf = core_.ops().load(s, workflow_id);
    core_.ops().decide(s, wf);
  });
}

void WorkflowExecutor::pause(std::string_view workflow_id) {
  run_change(core_, workflow_id, [&](detail::Change& s) { core_.ops().pause(s, workflow_id); });
}

void WorkflowExecutor::resume(std::string_view workflow_id) {
  run_change(core_, workflow_id, [&](detail::Change& s) { core_.ops().resume(s, workflow_id); });
}

void WorkflowExecutor::terminate(std::string_view workflow_id, std::string_view reason) {
  run_change(core_, workflow_id, [&](detail::Change& s) { core_.ops().terminate(s, workflow_id, reason); });
}

void WorkflowExecutor::remove(std::string_view workflow_id, bool archive) {
  run_change(core_, workflow_id, [&](detail::Change& s) { core_.ops().remove(s, workflow_id, archive); });
}

void WorkflowExecutor::terminate_remove(std::string_view workflow_id, std::string_view reason, bool archive) {
  run_change(core_, workflow_id, [&](detail::Change& s) {
    core_.ops().terminate(s, workflow_id, reason);
    core_.ops().remove(s, workflow_id, archive);
  });
}

void WorkflowExecutor::restart(std::string_view workflow_id, bool use_latest_definitions) {
  run_change(core_, workflow_id, [&](detail::Change& s) { core_.ops().restart(s, workflow_id, use_latest_definitions); });
}

void WorkflowExecutor::retry(std::string_view workflow_id, bool resume_subworkflow_tasks) {
  run_change(core_, workflow_id, [&](detail::Change& s) { core_.ops().retry(s, workflow_id, resume_subworkflow_tasks); });
}

void WorkflowExecutor::rerun(std::string_view workflow_id, const RerunWorkflowRequest& request) {
  run_change(core_, workflow_id, [&](detail::Change& s) { core_.ops().rerun(s, workflow_id, request); });
}

void WorkflowExecutor::skip_task(std::string_view workflow_id, std::string_view task_reference_name,
                                 const SkipTaskRequest& request) {
  run_change(core_, workflow_id, [&](detail::Change& s) { core_.ops().skip_task(s, workflow_id, task_reference_name, request); });
}

void WorkflowExecutor::reset_callbacks(std::string_view workflow_id) {
  run_change(core_, workflow_id, [&](detail::Change& s) { core_.ops().reset_callbacks(s, workflow_id); });
}

bool WorkflowExecutor::requeue_sweep(std::string_view workflow_id) {
  return run_change(core_, workflow_id, [&](detail::Change& s) {
    Workflow wf = core_.ops().load(s, workflow_id);
    if (s.queued(detail::kDeciderQueue, workflow_id)) return false;
    s.push_sweep(workflow_id, wf.priority, core_.settings().workflow_offset_timeout_s * 1000);
    return true;
  });
}

bool WorkflowExecutor::verify_and_repair(std::string_view workflow_id) {
  return run_change(core_, workflow_id, [&](detail::Change& s) {
    Workflow wf = core_.ops().load(s, workflow_id);
    if (is_terminal(wf.status)) return false;
    bool repaired = false;
    if (!s.queued(detail::kDeciderQueue, workflow_id)) {
      s.push_sweep(workflow_id, wf.priority, core_.settings().workflow_offset_timeout_s * 1000);
      repaired = true;
    }
    for (const Task& task : wf.tasks) {
      // Only a SCHEDULED task waits on a queue message: a worker's, or an async system task's.
      if (task.status != TaskStatus::kScheduled) continue;
      const auto* handler = core_.registry().find_system(task.task_type);
      if (handler && !handler->is_async()) continue;
      if (s.queued(detail::WorkflowOps::queue_name(task), task.task_id)) continue;
      core_.ops().requeue(s, task);
      repaired = true;
    }
    return repaired;
  });
}

SearchResult<WorkflowSummary> WorkflowExecutor::search(const SearchQuery& query) {
  core_.prepare_search(query, "workflows");
  return core_.storage().begin(TransactionMode::kRead)->index().search_workflows(query);
}

SearchResult<WorkflowSummary> WorkflowExecutor::search_by_tasks(const SearchQuery& query) {
  core_.prepare_search(query, "workflows");
  auto tx = core_.storage().begin(TransactionMode::kRead);
  std::set<std::string> seen;
  return detail::expand_hits<WorkflowSummary>(
      tx->index().search_tasks(query), [&](const TaskSummary& hit) -> std::optional<WorkflowSummary> {
        if (!seen.insert(hit.workflow_id).second) return std::nullopt;  // each workflow once
        auto workflow = tx->execution().find_workflow(hit.workflow_id, false);
        if (!workflow) return std::nullopt;
        return detail::workflow_summary(*workflow);
      });
}

void WorkflowExecutor::add_listener(std::shared_ptr<StatusListener> listener) {
  core_.add_listener(std::move(listener));
}

}  // namespace conductor
