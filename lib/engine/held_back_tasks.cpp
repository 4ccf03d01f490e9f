#include "engine/held_back_tasks.hpp"

#include <algorithm>

namespace conductor::detail {

void HeldBackTasks::hold(std::string_view task_def_name, std::string_view queue, std::string_view id) {
  std::lock_guard lock(mutex_);
  auto& messages = held_[std::string(task_def_name)];
  bool listed = std::any_of(messages.begin(), messages.end(),
                            [&](const Message& m) { return m.queue == queue && m.id == id; });
  if (!listed) messages.push_back({std::string(queue), std::string(id)});
}

std::vector<HeldBackTasks::Message> HeldBackTasks::release(std::string_view task_def_name) {
  std::lock_guard lock(mutex_);
  auto it = held_.find(std::string(task_def_name));
  if (it == held_.end()) return {};
  std::vector<Message> messages = std::move(it->second);
  held_.erase(it);
  return messages;
}

}  // namespace conductor::detail
