#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// LAMBDA (deprecated in Conductor for INLINE; semantics.md §5.18): runs the input's
/// `scriptExpression` as the body of a function, with `$` = the task input, and completes with
/// output `result` = its return value. Any failure is FAILED, which the task's retries may repeat.
class LambdaTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "LAMBDA"; }
  std::vector<Task> map(const MapperContext& context) const override;
  bool execute(Task& task, SystemTaskContext& context) const override;
};

}  // namespace conductor::detail
