#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

class Change;
class WorkflowOps;

/// A system task's effects carried out as part of one change: a child started, a workflow
/// terminated, tasks scheduled or removed, all committed with the change or not at all.
class ChangeEffects final : public TaskEffects {
 public:
  ChangeEffects(WorkflowOps& ops, Change& change) : ops_(ops), change_(change) {}

  std::string start_workflow(const StartWorkflowRequest& request, const ChildLink* child) override;
  std::optional<Workflow> find_workflow(std::string_view workflow_id) override;
  void terminate_workflow(std::string_view workflow_id, std::string_view reason) override;
  void schedule_iteration(Workflow& workflow, const WorkflowTask& body_head, int retry_count, int iteration) override;
  void remove_task(const Task& task) override;
  void publish_event(const EventMessage& message) override;
  const PropertyMap& properties() const override;
  std::int64_t max_workflow_variables_kb() const override;
  const Limits& limits() const override;

 private:
  WorkflowOps& ops_;
  Change& change_;
};

}  // namespace conductor::detail
