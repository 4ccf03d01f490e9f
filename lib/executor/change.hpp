#pragma once

#include <conductor/clock.hpp>
#include <conductor/storage/storage.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

namespace conductor::detail {

class EngineCore;

/// One state change: a write transaction plus what must happen once it is committed (waking pollers,
/// listener callbacks). Tracks which tasks changed so only those rows are written.
class Change {
 public:
  explicit Change(EngineCore& core);
  Change(const Change&) = delete;
  Change& operator=(const Change&) = delete;

  EngineCore& core() { return core_; }
  EpochMillis now() const { return now_; }
  ExecutionStore& execution() { return tx_->execution(); }
  QueueStore& queues() { return tx_->queues(); }
  MetadataStore& metadata() { return tx_->metadata(); }
  IndexStore& index() { return tx_->index(); }

  /// Pushes (upserts) a message visible after `delay_ms`, and wakes the queue's pollers on commit.
  void push(std::string_view queue, std::string_view id, int priority, std::int64_t delay_ms);
  /// The message `id` of `queue` was handed out by this session: if this session pushed it, nobody
  /// needs waking for it.
  void taken(std::string_view queue, std::string_view id);
  void mark_dirty(std::string_view task_id) { dirty_.emplace(task_id); }
  /// Returns whether the task was marked, and clears the mark.
  bool take_dirty(const std::string& task_id) { return dirty_.erase(task_id) != 0; }
  /// Runs after a successful commit, in order.
  void after_commit(std::function<void()> action) { after_commit_.push_back(std::move(action)); }

  void commit();

 private:
  EngineCore& core_;
  std::unique_ptr<Transaction> tx_;
  EpochMillis now_;
  std::vector<std::pair<std::string, std::string>> pushed_;  // (queue, message id)
  bool wake_sweeper_ = false;
  std::unordered_set<std::string> dirty_;
  std::vector<std::function<void()>> after_commit_;
};

/// Runs one state change in its own session and commits it; returns what `change` returns.
template <class F>
auto in_change(EngineCore& core, F&& change) {
  Change s(core);
  if constexpr (std::is_void_v<decltype(change(s))>) {
    change(s);
    s.commit();
  } else {
    auto result = change(s);
    s.commit();
    return result;
  }
}

}  // namespace conductor::detail
