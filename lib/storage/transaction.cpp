#include <conductor/storage/storage.hpp>

namespace conductor {

std::vector<Task> Transaction::take_tasks(std::string_view queue, int count, std::int64_t now_ms) {
  std::vector<Task> tasks;
  for (const auto& id : queues().take(queue, count, now_ms)) {
    if (auto task = execution().find_task(id)) tasks.push_back(std::move(*task));
  }
  return tasks;
}

}  // namespace conductor
