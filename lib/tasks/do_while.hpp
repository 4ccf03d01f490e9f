#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// DO_WHILE (semantics.md §5.9). The mapper creates only the loop task; each execute looks at the
/// body tasks of the current iteration (named `ref__<iteration>`, with `iteration` set), records their
/// outputs under the iteration number, and once they are all done evaluates `loopCondition` to start
/// the next iteration or complete. List mode (`items`, or `_items` in the input parameters) runs one
/// iteration per item with `loopIndex` and `loopItem` in the output. `keepLastN` in the input
/// parameters drops older iterations' outputs and tasks.
class DoWhileTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "DO_WHILE"; }
  std::vector<Task> map(const MapperContext& context) const override;
  bool execute(Task& task, SystemTaskContext& context) const override;
  bool retries_on_failure() const override { return false; }
  bool is_loop() const override { return true; }
  bool resumes_waiting() const override { return true; }
  bool retried_in_place() const override { return true; }
};

}  // namespace conductor::detail
