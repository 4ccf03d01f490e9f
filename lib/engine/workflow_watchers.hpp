#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace conductor::detail {

/// Tells those who wait on workflows (a synchronous execute, a signal that waits) that one of them
/// changed: every committed change names the workflows it wrote, and each watcher of one of them
/// fires once. Waiters then look at the state themselves, so nobody polls on a timer.
///
/// Thread-safe. Callbacks run on the committing thread after the commit and after the lock is
/// released, never inside add() or cancel(); they must be quick (post work elsewhere).
class WorkflowWatchers {
 public:
  using Callback = std::function<void()>;

  /// Registers `callback` to fire once, at the next commit that writes any of `workflow_ids`.
  /// Returns an id for cancel().
  std::uint64_t add(const std::vector<std::string>& workflow_ids, Callback callback);
  /// Withdraws a callback. True when it had not fired and now never will.
  bool cancel(std::uint64_t id);
  /// These workflows were written by a commit that has completed.
  void notify(const std::vector<std::string>& workflow_ids);
  /// Cheap check for the commit path: nobody waits on anything.
  bool empty() const { return count_.load(std::memory_order_acquire) == 0; }
  std::size_t size() const { return count_.load(std::memory_order_acquire); }

 private:
  struct Watcher {
    std::vector<std::string> workflow_ids;
    Callback callback;
  };

  /// Drops `id` from the index of each of its workflows. Caller holds the lock.
  void unindex(std::uint64_t id, const Watcher& watcher);

  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, Watcher> watchers_;
  std::unordered_multimap<std::string, std::uint64_t> by_workflow_;
  std::uint64_t next_id_ = 1;
  std::atomic<std::size_t> count_{0};
};

}  // namespace conductor::detail
