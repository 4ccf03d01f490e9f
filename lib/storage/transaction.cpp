#include <conductor/storage/storage.hpp>

namespace conductor {

TakenTasks Transaction::take_tasks(std::string_view queue, int count, std::int64_t now_ms, std::string_view) {
  TakenTasks taken;
  for (const auto& id : queues().take(queue, count, now_ms)) {
    if (auto task = execution().find_task(id)) taken.tasks.push_back(std::move(*task));
  }
  return taken;
}

void Transaction::skip_announcing(std::string_view) {}

}  // namespace conductor
