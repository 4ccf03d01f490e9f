#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// FORK_JOIN_DYNAMIC: a FORK whose branches come from the input at run time, then the JOIN that
/// follows the node, joining on the last task of every branch (semantics.md §5.7). Three input
/// forms, tried in this order: `forkTaskInputs` (one task per item), `dynamicForkTasksParam` with
/// `dynamicForkTasksInputParamName` (a list of nodes and their inputs), and the legacy
/// `dynamicForkJoinTasksParam`. Invalid input fails the workflow.
class ForkJoinDynamicTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "FORK_JOIN_DYNAMIC"; }
  std::vector<Task> map(const MapperContext& context) const override;
  /// Its branches come from its input.
  bool remapped_on_rerun() const override { return true; }
};

}  // namespace conductor::detail
