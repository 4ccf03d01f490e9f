#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace conductor::detail {

/// One mutex per workflow id in use, so that this process's changes to one workflow take turns while
/// changes to different workflows never wait for each other. Entries exist only while someone holds
/// or waits for them: ids come from requests, and memory must not grow with them. Across processes
/// the version check at commit does the same job. Thread-safe.
class WorkflowLocks {
 public:
  /// Holds the lock of one workflow id until destroyed.
  class Guard {
   public:
    Guard() = default;
    Guard(Guard&& other) noexcept;
    Guard& operator=(Guard&&) = delete;
    ~Guard();
    bool held() const { return owner_ != nullptr; }

   private:
    friend class WorkflowLocks;
    Guard(WorkflowLocks* owner, std::string id) : owner_(owner), id_(std::move(id)) {}
    WorkflowLocks* owner_ = nullptr;
    std::string id_;
  };

  /// Waits for the lock of `workflow_id`.
  Guard lock(std::string_view workflow_id);
  /// The lock of `workflow_id` if nobody holds it; an unheld guard otherwise.
  Guard try_lock(std::string_view workflow_id);
  /// Ids with an entry (held or waited for).
  std::size_t size();

 private:
  struct Entry {
    std::mutex mutex;
    int users = 0;  // holders and waiters; guarded by WorkflowLocks::mutex_
  };
  Entry& enter(const std::string& id);
  void leave(const std::string& id, bool unlock);

  std::mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<Entry>> entries_;  // guarded by mutex_
};

}  // namespace conductor::detail
