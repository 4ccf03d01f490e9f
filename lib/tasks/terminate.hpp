#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// TERMINATE: ends the workflow with `terminationStatus` (COMPLETED, FAILED or TERMINATED), an
/// optional `terminationReason` and `workflowOutput` as the workflow's output (semantics.md §5.13).
/// The task only records the request; the decider ends the workflow once it sees it completed.
class TerminateTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "TERMINATE"; }
  std::vector<Task> map(const MapperContext& context) const override;
  bool execute(Task& task, SystemTaskContext& context) const override;
  /// Once it has ended successfully.
  bool ends_workflow(const Task& task) const override { return is_terminal(task.status) && is_successful(task.status); }
};

}  // namespace conductor::detail
