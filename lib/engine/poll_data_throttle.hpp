#pragma once

#include <conductor/model.hpp>

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace conductor::detail {

/// Remembers when the polls of each queue and domain were last recorded, so that workers polling many
/// times a second cost one poll-data write a second rather than one per poll. Poll data only feeds "is a
/// worker of this domain active" (a window of seconds) and the admin view, and Conductor's own
/// SQL persistence caches it the same way. Thread-safe; bounded.
class PollDataThrottle {
 public:
  /// Whether `data` should be written: the last recorded poll of its queue and domain is a second old
  /// or more.
  bool due(const PollData& data);
  /// Notes that `data` was committed.
  void recorded(const PollData& data);

 private:
  static constexpr std::int64_t kIntervalMs = 1000;
  static constexpr std::size_t kMaxEntries = 4096;

  static std::string key(const PollData& data);

  std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> last_recorded_;
};

}  // namespace conductor::detail
