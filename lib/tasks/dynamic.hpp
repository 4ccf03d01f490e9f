#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// DYNAMIC: a worker task whose name comes from the input key named by `dynamicTaskNameParam`
/// (semantics.md §5.10). Only the mapper is special; the task then runs as a SIMPLE one would.
class DynamicTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "DYNAMIC"; }
  bool is_system() const override { return false; }
  std::vector<Task> map(const MapperContext& context) const override;
};

}  // namespace conductor::detail
