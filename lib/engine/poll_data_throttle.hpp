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
/// SQL persistence caches it the same way. It also remembers queues found not in use (no definition,
/// nothing queued), so that polls of made-up names look that up once a second, not at every poll.
/// Thread-safe; bounded.
class PollDataThrottle {
 public:
  /// Whether `data` should be written, or looked at: the last recorded or checked poll of its queue
  /// and domain is a second old or more, or the queue was last found not in use and this poll
  /// `handed_out` work.
  bool due(const PollData& data, bool handed_out);
  /// Notes that `data` was committed.
  void recorded(const PollData& data);
  /// Notes that `data`'s queue was found not in use, so nothing was written.
  void not_in_use(const PollData& data);

 private:
  static constexpr std::int64_t kIntervalMs = 1000;
  static constexpr std::size_t kMaxEntries = 4096;

  struct Entry {
    std::int64_t at = 0;
    bool in_use = true;
  };

  static std::string key(const PollData& data);
  void note(const PollData& data, bool in_use);

  std::mutex mutex_;
  std::unordered_map<std::string, Entry> last_;
};

}  // namespace conductor::detail
