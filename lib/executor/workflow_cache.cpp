#include "executor/workflow_cache.hpp"

#include <algorithm>

namespace conductor::detail {

void WorkflowCache::touch(Entry& entry) { ages_.splice(ages_.begin(), ages_, entry.age); }

std::optional<WorkflowCache::Versioned> WorkflowCache::find(std::string_view workflow_id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(workflow_id));
  if (it == entries_.end()) return std::nullopt;
  touch(it->second);
  return Versioned{it->second.version, it->second.state, it->second.messages};
}

std::optional<WorkflowCache::Versioned> WorkflowCache::take(std::string_view workflow_id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(workflow_id));
  if (it == entries_.end()) return std::nullopt;
  Versioned taken{it->second.version, std::move(it->second.state), std::move(it->second.messages)};
  ages_.erase(it->second.age);
  entries_.erase(it);
  return taken;
}

void WorkflowCache::put(const std::string& workflow_id, std::int64_t version, Workflow state,
                        KnownMessages messages) {
  if (is_terminal(state.status)) return erase(workflow_id);
  std::lock_guard lock(mutex_);
  auto [it, inserted] = entries_.try_emplace(workflow_id);
  if (inserted) {
    ages_.push_front(workflow_id);
    it->second.age = ages_.begin();
  } else {
    touch(it->second);
  }
  it->second.version = version;
  it->second.state = std::move(state);
  it->second.messages = std::move(messages);
  while (entries_.size() > capacity_) {
    entries_.erase(ages_.back());
    ages_.pop_back();
  }
}

void WorkflowCache::advance(const std::string& workflow_id, std::int64_t from, std::int64_t to, const Task& task,
                            std::optional<EpochMillis> sweep_by) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(workflow_id);
  if (it == entries_.end()) return;
  Entry& entry = it->second;
  auto stored = std::find_if(entry.state.tasks.begin(), entry.state.tasks.end(),
                             [&](const Task& t) { return t.task_id == task.task_id; });
  if (entry.version != from || stored == entry.state.tasks.end()) {
    ages_.erase(entry.age);
    entries_.erase(it);
    return;
  }
  *stored = task;
  entry.version = to;
  entry.messages.gone(task.task_id);
  if (sweep_by) entry.messages.bring_forward(*sweep_by);
}

bool WorkflowCache::swept_by(const std::string& workflow_id, std::int64_t version, EpochMillis at) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(workflow_id);
  return it != entries_.end() && it->second.version == version && it->second.messages.swept_by(at);
}

void WorkflowCache::erase(const std::string& workflow_id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(workflow_id);
  if (it == entries_.end()) return;
  ages_.erase(it->second.age);
  entries_.erase(it);
}

std::size_t WorkflowCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace conductor::detail
