#include "engine/workflow_locks.hpp"

#include <utility>

namespace conductor::detail {

WorkflowLocks::Guard::Guard(Guard&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), id_(std::move(other.id_)) {}

WorkflowLocks::Guard::~Guard() {
  if (owner_) owner_->leave(id_, true);
}

WorkflowLocks::Entry& WorkflowLocks::enter(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto& entry = entries_[id];
  if (!entry) entry = std::make_unique<Entry>();
  ++entry->users;
  return *entry;
}

void WorkflowLocks::leave(const std::string& id, bool unlock) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (unlock) it->second->mutex.unlock();
  if (--it->second->users == 0) entries_.erase(it);
}

WorkflowLocks::Guard WorkflowLocks::lock(std::string_view workflow_id) {
  std::string id(workflow_id);
  enter(id).mutex.lock();
  return Guard(this, std::move(id));
}

WorkflowLocks::Guard WorkflowLocks::try_lock(std::string_view workflow_id) {
  std::string id(workflow_id);
  if (enter(id).mutex.try_lock()) return Guard(this, std::move(id));
  leave(id, false);
  return {};
}

std::size_t WorkflowLocks::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace conductor::detail
