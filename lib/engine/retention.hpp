#pragma once

#include <conductor/engine.hpp>

#include <cstddef>
#include <span>
#include <string>

namespace conductor::detail {

class EngineCore;

/// Removes ended workflows once they are older than the retention options allow (the sweeper's job).
class Retention {
 public:
  Retention(EngineCore& core, RetentionOptions options);

  /// Removes at most one batch of expired workflows; returns how many were removed.
  int sweep();
  /// The last sweep filled its batch, so more workflows may be due: the sweeper goes again at once
  /// rather than after its interval, or it falls behind a steady load.
  bool more_due() const { return more_due_; }

 private:
  /// Workflows removed in one change: few enough that its transaction stays short, enough that the
  /// sweeper keeps up with a saturated engine instead of waiting for a commit per workflow.
  static constexpr std::size_t kRemovalsPerChange = 16;

  /// Removes `ids` in one change, or one by one when that fails; returns how many went.
  int remove(std::span<const std::string> ids);

  EngineCore& core_;
  RetentionOptions options_;
  bool more_due_ = false;
};

}  // namespace conductor::detail
