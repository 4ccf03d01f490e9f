#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// SUB_WORKFLOW: starts a child workflow and ends as the child ends (semantics.md §5.11, table 1.3).
/// The child is created in the same transaction as the task's first run, with a deterministic id so
/// a repeated run finds it instead of starting another; the child's completion or termination
/// updates this task when the child ends. Canceling the task terminates the child.
class SubWorkflowTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "SUB_WORKFLOW"; }
  bool is_async() const override { return true; }
  /// Only the child's end finishes the task, whatever the node says.
  bool is_async_complete(const Task& /*task*/) const override { return true; }
  std::vector<Task> map(const MapperContext& context) const override;
  void start(Task& task, SystemTaskContext& context) const override;
  /// Takes the child's status and output once the child has ended; true when that changed the task.
  bool execute(Task& task, SystemTaskContext& context) const override;
  void cancel(Task& task, SystemTaskContext& context) const override;
  /// Catches up with a child that ended without updating this task (the sweeper's repair).
  bool repair(Task& task, SystemTaskContext& context) const override;
  /// A literal child name without a version.
  std::optional<std::string> child_pinned_at_start(const WorkflowTask& node) const override;
  /// The child's end updates the task, so the decider only re-checks at its default interval.
  std::optional<std::int64_t> decider_wait_seconds(const Task& /*task*/, EpochMillis /*now*/,
                                                   std::int64_t offset_seconds) const override {
    return offset_seconds;
  }
  bool runs_child_workflow() const override { return true; }
};

}  // namespace conductor::detail
