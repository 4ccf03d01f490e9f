#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// INLINE (semantics.md §5.17): evaluates the input's `expression` with its `evaluatorType`
/// (`javascript` when missing) over the whole task input and completes with output `result`. A bad
/// evaluator, a blank expression or a script error fails the task with FAILED_WITH_TERMINAL_ERROR;
/// running past the time limit fails it with FAILED (retriable).
class InlineTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "INLINE"; }
  std::vector<Task> map(const MapperContext& context) const override;
  bool execute(Task& task, SystemTaskContext& context) const override;
};

/// Maps a sync script task: the node's input resolved with the task id and the TaskDef template,
/// IN_PROGRESS until its first execute (INLINE and LAMBDA).
Task map_script_task(const MapperContext& context, std::string_view type);

}  // namespace conductor::detail
