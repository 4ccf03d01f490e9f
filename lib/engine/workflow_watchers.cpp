#include "engine/workflow_watchers.hpp"

#include <utility>

namespace conductor::detail {

std::uint64_t WorkflowWatchers::add(const std::vector<std::string>& workflow_ids, Callback callback) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_id_++;
  for (const auto& workflow_id : workflow_ids) by_workflow_.emplace(workflow_id, id);
  watchers_.emplace(id, Watcher{workflow_ids, std::move(callback)});
  count_.store(watchers_.size(), std::memory_order_release);
  return id;
}

void WorkflowWatchers::unindex(std::uint64_t id, const Watcher& watcher) {
  for (const auto& workflow_id : watcher.workflow_ids) {
    auto [first, last] = by_workflow_.equal_range(workflow_id);
    for (auto it = first; it != last; ++it) {
      if (it->second == id) {
        by_workflow_.erase(it);
        break;
      }
    }
  }
}

bool WorkflowWatchers::cancel(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  auto it = watchers_.find(id);
  if (it == watchers_.end()) return false;
  unindex(id, it->second);
  watchers_.erase(it);
  count_.store(watchers_.size(), std::memory_order_release);
  return true;
}

void WorkflowWatchers::notify(const std::vector<std::string>& workflow_ids) {
  if (empty()) return;
  std::vector<Callback> fired;
  {
    std::lock_guard lock(mutex_);
    for (const auto& workflow_id : workflow_ids) {
      auto [first, last] = by_workflow_.equal_range(workflow_id);
      std::vector<std::uint64_t> ids;
      for (auto it = first; it != last; ++it) ids.push_back(it->second);
      for (std::uint64_t id : ids) {
        auto watcher = watchers_.find(id);
        unindex(id, watcher->second);
        fired.push_back(std::move(watcher->second.callback));
        watchers_.erase(watcher);
      }
    }
    count_.store(watchers_.size(), std::memory_order_release);
  }
  for (auto& callback : fired) {
    try {
      callback();
    } catch (...) {
      // A waiter's wake-up must not undo or stall the commit that fired it.
    }
  }
}

}  // namespace conductor::detail
