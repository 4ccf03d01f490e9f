#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// JSON_JQ_TRANSFORM: runs the jq program `queryExpression` over the whole task input; output
/// `result` is the first value it emits and `resultList` all of them (semantics.md §5.19).
class JsonJqTransformTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "JSON_JQ_TRANSFORM"; }
  std::vector<Task> map(const MapperContext& context) const override;
  void start(Task& task, SystemTaskContext& context) const override;
  /// Runs the program again: only a task reset in place by a workflow operation gets here.
  bool execute(Task& task, SystemTaskContext& context) const override;
};

}  // namespace conductor::detail
