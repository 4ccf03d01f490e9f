#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// WAIT: stays IN_PROGRESS until its `duration` has passed or its `until` time is reached, or, with
/// neither, until a task update completes it; an update completes it at any time (semantics.md §5.15).
class WaitTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "WAIT"; }
  bool is_async() const override { return true; }
  std::vector<Task> map(const MapperContext& context) const override;
  void start(Task& task, SystemTaskContext& context) const override;
  bool execute(Task& task, SystemTaskContext& context) const override;
  std::int64_t evaluation_offset_seconds(const Task& task, EpochMillis now) const override;
  /// A running wait is looked at when it ends; one that only an update ends, at the default interval.
  std::optional<std::int64_t> decider_wait_seconds(const Task& task, EpochMillis now,
                                                   std::int64_t offset_seconds) const override;
};

}  // namespace conductor::detail
