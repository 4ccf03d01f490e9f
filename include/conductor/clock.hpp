#pragma once

#include <conductor/export.hpp>

#include <atomic>
#include <cstdint>
#include <memory>

namespace conductor {

/// Milliseconds since the Unix epoch: the unit of every time the engine stores.
using EpochMillis = std::int64_t;

/// The engine's only source of time, so tests can drive retries, delays and timeouts without sleeping.
/// Implementations must be safe to call from any thread.
class CONDUCTOR_EXPORT Clock {
 public:
  virtual ~Clock() = default;
  virtual EpochMillis now_ms() const = 0;
};

/// Wall-clock time (std::chrono::system_clock).
CONDUCTOR_EXPORT std::unique_ptr<Clock> system_clock();

/// A clock that moves only when told; thread-safe.
class CONDUCTOR_EXPORT ManualClock final : public Clock {
 public:
  explicit ManualClock(EpochMillis start = 1'700'000'000'000) : now_(start) {}
  EpochMillis now_ms() const override { return now_.load(); }
  void advance_ms(EpochMillis delta) { now_.fetch_add(delta); }
  void advance_seconds(std::int64_t seconds) { advance_ms(seconds * 1000); }
  void set_ms(EpochMillis t) { now_.store(t); }

 private:
  std::atomic<EpochMillis> now_;
};

}  // namespace conductor
