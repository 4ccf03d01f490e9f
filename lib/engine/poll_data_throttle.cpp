#include "engine/poll_data_throttle.hpp"

namespace conductor::detail {

std::string PollDataThrottle::key(const PollData& data) {
  // Storage keeps one row per queue and domain, naming the worker that polled last.
  return data.queue_name + '\n' + data.domain.value_or("");
}

bool PollDataThrottle::due(const PollData& data) {
  std::lock_guard lock(mutex_);
  auto it = last_recorded_.find(key(data));
  // A clock that went back (a test's, or a corrected one) records at once.
  return it == last_recorded_.end() || data.last_poll_time - it->second >= kIntervalMs ||
         data.last_poll_time < it->second;
}

void PollDataThrottle::recorded(const PollData& data) {
  std::lock_guard lock(mutex_);
  if (last_recorded_.size() >= kMaxEntries) last_recorded_.clear();
  last_recorded_[key(data)] = data.last_poll_time;
}

}  // namespace conductor::detail
