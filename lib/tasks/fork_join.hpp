#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// FORK_JOIN: the FORK marker, the first task of every branch and the JOIN that follows the node
/// (semantics.md §5.6). Nothing runs at the FORK itself.
class ForkJoinTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "FORK_JOIN"; }
  std::vector<Task> map(const MapperContext& context) const override;
  bool forks_lazily_to(const WorkflowTask& node, std::string_view ref) const override;
  /// The mapper leaves a FORK marker, but a task typed FORK_JOIN is still reset in place on retry.
  bool retried_in_place() const override { return true; }
};

/// FORK, the marker task both fork types leave in the task list, COMPLETED from the start. It is
/// never a node type in Conductor's definitions; a node that says FORK maps to the bare marker.
class ForkTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "FORK"; }
  std::vector<Task> map(const MapperContext& context) const override;
  bool retries_on_failure() const override { return false; }
};

/// The COMPLETED FORK marker for the context's fork node, with the node's context input.
Task fork_marker(const MapperContext& context);

}  // namespace conductor::detail
