#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// SIMPLE and user-defined types: tasks that external or in-process workers poll from a queue
/// named after the node name (SIMPLE) or the node type (anything unregistered).
class WorkerTask final : public TaskHandler {
 public:
  explicit WorkerTask(bool user_defined) : user_defined_(user_defined) {}
  std::string_view type() const override { return user_defined_ ? "USER_DEFINED" : "SIMPLE"; }
  bool is_system() const override { return false; }
  /// A SIMPLE node may run without a registered definition; a user-defined type may not.
  bool keeps_task_def_defaults() const override { return !user_defined_; }
  std::vector<Task> map(const MapperContext& context) const override;

 private:
  bool user_defined_;
};

}  // namespace conductor::detail
