#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// EXCLUSIVE_JOIN: ends with the output of whichever joined task ran, typically the last task of the
/// switch case that was taken; `defaultExclusiveJoinTask` names the fallbacks (semantics.md §5.8).
class ExclusiveJoinTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "EXCLUSIVE_JOIN"; }
  std::vector<Task> map(const MapperContext& context) const override;
  bool execute(Task& join, SystemTaskContext& context) const override;
  bool retries_on_failure() const override { return false; }
  bool joins_tasks() const override { return true; }
  bool retried_in_place() const override { return true; }
};

}  // namespace conductor::detail
