#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// NOOP: does nothing and completes on its first evaluation (semantics.md §5.22).
class NoopTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "NOOP"; }
  std::vector<Task> map(const MapperContext& context) const override;
  bool execute(Task& task, SystemTaskContext& context) const override;
};

}  // namespace conductor::detail
