#pragma once

#include <conductor/engine.hpp>

namespace conductor::detail {

class EngineCore;

/// Removes ended workflows once they are older than the retention options allow (the sweeper's job).
class Retention {
 public:
  Retention(EngineCore& core, RetentionOptions options);

  /// Removes at most one batch of expired workflows; returns how many were removed.
  int sweep();

 private:
  EngineCore& core_;
  RetentionOptions options_;
};

}  // namespace conductor::detail
