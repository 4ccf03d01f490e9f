#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// HUMAN: waits IN_PROGRESS until a task update (by id or by reference name) finishes it
/// (semantics.md §5.16).
class HumanTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "HUMAN"; }
  std::vector<Task> map(const MapperContext& context) const override;
  void start(Task& task, SystemTaskContext& context) const override;
  /// Only an update ends the task, so the decider has no deadline of its own to watch.
  std::optional<std::int64_t> decider_wait_seconds(const Task& /*task*/, EpochMillis /*now*/,
                                                   std::int64_t offset_seconds) const override {
    return offset_seconds;
  }
};

}  // namespace conductor::detail
