#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// SET_VARIABLE: writes every input key into the workflow's variables, where tasks mapped after it
/// (even in the same decide) read them as `${workflow.variables.<key>}` (semantics.md §5.14).
class SetVariableTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "SET_VARIABLE"; }
  std::vector<Task> map(const MapperContext& context) const override;
  bool execute(Task& task, SystemTaskContext& context) const override;
};

}  // namespace conductor::detail
