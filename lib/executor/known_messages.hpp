#pragma once

#include <conductor/clock.hpp>

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conductor::detail {

/// What a process knows of a running workflow's queue messages at one version of the workflow, kept
/// with its cached state, so that a change leaves out a queue write it knows would change nothing: a
/// bring-forward of a sweep that is due earlier already, the removal of a handed-out task's message.
///
/// It holds while the stored version does, because every write that could make it wrong moves the
/// version: a push or re-timing of the decider message, a push of a task's message (Change::commit).
/// The exception is a sweeper's pop, which delays the decider message without a version; the sweep
/// that follows it decides from the current state and times the message again. Should that sweep
/// never come (its process died), the workflow is swept when the popped message comes back, after
/// the decider's unack time, rather than at the earlier time a skipped bring-forward named.
struct KnownMessages {
  static constexpr EpochMillis kAbsent = std::numeric_limits<EpochMillis>::min();

  /// The decider message is absent (kAbsent) or due no later than this; none when not known.
  std::optional<EpochMillis> sweep_by;
  /// Tasks whose queues hold no message for them (handed out, or inserted without one).
  std::vector<std::string> without_message;

  /// Whether a bring-forward of the decider message to `at` would change nothing.
  bool swept_by(EpochMillis at) const { return sweep_by && *sweep_by <= at; }
  void bring_forward(EpochMillis at) { sweep_by = std::min(sweep_by.value_or(at), at); }
  bool lacks(std::string_view task_id) const {
    return std::find(without_message.begin(), without_message.end(), task_id) != without_message.end();
  }
  void lose(std::string_view task_id) { std::erase(without_message, task_id); }
  void gone(std::string_view task_id) {
    if (!lacks(task_id)) without_message.emplace_back(task_id);
  }
};

}  // namespace conductor::detail
