#include "engine/poll_data_throttle.hpp"

namespace conductor::detail {

std::string PollDataThrottle::key(const PollData& data) {
  // Storage keeps one row per queue and domain, naming the worker that polled last.
  return data.queue_name + '\n' + data.domain.value_or("");
}

bool PollDataThrottle::due(const PollData& data, bool handed_out) {
  std::lock_guard lock(mutex_);
  auto it = last_.find(key(data));
  if (it == last_.end() || (handed_out && !it->second.in_use)) return true;
  // A clock that went back (a test's, or a corrected one) records at once.
  return data.last_poll_time - it->second.at >= kIntervalMs || data.last_poll_time < it->second.at;
}

void PollDataThrottle::recorded(const PollData& data) { note(data, true); }

void PollDataThrottle::not_in_use(const PollData& data) { note(data, false); }

void PollDataThrottle::note(const PollData& data, bool in_use) {
  std::lock_guard lock(mutex_);
  if (last_.size() >= kMaxEntries) last_.clear();
  last_[key(data)] = Entry{data.last_poll_time, in_use};
}

}  // namespace conductor::detail
