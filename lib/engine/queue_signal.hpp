#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace conductor::detail {

/// Wakes threads blocked in a long poll when their queue receives a message: one waiter per message
/// pushed, so a push does not wake every poller of every queue only for all but one to find nothing.
class QueueSignal {
 public:
  /// What a waiter has seen: taken before looking at the queue, so no notification is lost between
  /// the look and the wait.
  struct Ticket {
    std::uint64_t version = 0;
    std::uint64_t interrupts = 0;
  };
  Ticket ticket(const std::string& queue);
  /// One message was pushed to each entry of `queues` (a queue may appear several times).
  void notify(const std::vector<std::string>& queues);
  /// Blocks until `queue` was notified or interrupt() was called after `seen` was taken, or until
  /// `deadline`. Returns false when interrupted.
  bool wait(const std::string& queue, const Ticket& seen, std::chrono::steady_clock::time_point deadline);
  /// Releases every waiter, including one about to wait with an older ticket (shutdown).
  void interrupt();

 private:
  struct Queue {
    std::uint64_t version = 0;
    std::condition_variable changed;
  };
  /// The state of `queue`, created on first use; never removed, so references stay valid.
  Queue& queue(const std::string& name);

  std::mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<Queue>> queues_;
  std::uint64_t interrupts_ = 0;
};

}  // namespace conductor::detail
