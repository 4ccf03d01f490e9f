#include "executor/change_effects.hpp"

#include "engine/engine_core.hpp"
#include "events/conductor_queue.hpp"
#include "executor/change.hpp"
#include "executor/workflow_ops.hpp"

namespace conductor::detail {

std::string ChangeEffects::start_workflow(const StartWorkflowRequest& request, const ChildLink* child) {
  return ops_.start(change_, request, child);
}

std::optional<Workflow> ChangeEffects::find_workflow(std::string_view workflow_id) {
  return change_.find_workflow(workflow_id, false);
}

void ChangeEffects::terminate_workflow(std::string_view workflow_id, std::string_view reason) {
  ops_.terminate(change_, workflow_id, reason);
}

void ChangeEffects::schedule_iteration(Workflow& workflow, const WorkflowTask& body_head, int retry_count,
                                       int iteration) {
  ops_.schedule_iteration(change_, workflow, body_head, retry_count, iteration);
}

void ChangeEffects::remove_task(const Task& task) {
  change_.remove_message(WorkflowOps::queue_name(task), task.task_id);
  change_.remove_task(task);
}

void ChangeEffects::publish_event(const EventMessage& message) { ConductorEventQueue::publish(change_, message); }

const PropertyMap& ChangeEffects::properties() const { return change_.core().properties(); }

const Limits& ChangeEffects::limits() const { return change_.core().limits(); }

std::int64_t ChangeEffects::max_workflow_variables_kb() const {
  return change_.core().settings().max_workflow_variables_kb;
}

}  // namespace conductor::detail
