#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// START_WORKFLOW: starts the workflow described by the input `startWorkflow` (a start request) and
/// completes with its id in output `workflowId`; the new workflow runs on its own, with no parent
/// link (semantics.md §5.12).
class StartWorkflowTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "START_WORKFLOW"; }
  bool is_async() const override { return true; }
  std::vector<Task> map(const MapperContext& context) const override;
  void start(Task& task, SystemTaskContext& context) const override;
};

}  // namespace conductor::detail
