#pragma once

#include <conductor/metrics.hpp>

#include <chrono>

namespace conductor::detail {

/// Times a piece of work for the metrics hook, and only when there is one: without a hook it reads
/// no clock, so the hot paths pay nothing for metrics nobody collects.
class Stopwatch {
 public:
  explicit Stopwatch(const Metrics* metrics) {
    if (metrics) start_ = std::chrono::steady_clock::now();
  }
  Metrics::Duration elapsed() const { return std::chrono::steady_clock::now() - start_; }

 private:
  std::chrono::steady_clock::time_point start_{};
};

}  // namespace conductor::detail
