#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace conductor::detail {

/// The queue messages a concurrency limit (a TaskDef's `concurrentExecLimit`) turned away, by task
/// definition name. A held message is postponed like Conductor's, but when a task of its definition
/// leaves IN_PROGRESS the engine makes the held ones visible at once, so a freed slot is taken without
/// waiting out the postponement.
///
/// Kept in memory: after a restart, or when the slot is freed by another process on the same
/// database, a held message still becomes visible when its postponement ends. Thread-safe.
class HeldBackTasks {
 public:
  struct Message {
    std::string queue;
    std::string id;
  };

  void hold(std::string_view task_def_name, std::string_view queue, std::string_view id);
  /// Takes every message held for `task_def_name` (none are held for it afterwards).
  std::vector<Message> release(std::string_view task_def_name);

 private:
  /// Held messages per definition are few (one per waiting task), and so is the number of limited
  /// definitions; a message is listed once.
  std::mutex mutex_;
  std::unordered_map<std::string, std::vector<Message>> held_;
};

}  // namespace conductor::detail
