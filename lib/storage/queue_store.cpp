#include <conductor/storage/storage.hpp>

namespace conductor {

std::map<std::string, std::int64_t, std::less<>> QueueStore::next_visible_times(const std::vector<std::string>& queues) {
  std::map<std::string, std::int64_t, std::less<>> times;
  for (const std::string& queue : queues) {
    if (auto next = next_visible_at(queue)) times.emplace(queue, *next);
  }
  return times;
}

}  // namespace conductor
