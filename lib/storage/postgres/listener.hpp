#pragma once

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

namespace conductor::detail::pg {

class Connection;

/// The channel pushes are announced on: one per schema (the first of the connection's search path),
/// so that deployments sharing a database in schemas of their own do not wake each other.
std::string push_channel(Connection& connection);

/// An announcement's payload: the sender's token, so that it can skip its own, and the queue.
inline std::string announcement(std::string_view token, std::string_view queue) {
  return fmt::format("{}\n{}", token, queue);
}

/// A thread holding one connection that sends the announcements given to announce() and, while
/// this process waits for pushes (set_waiting) or did within the last second, LISTENs on a push
/// channel and hands every other sender's queue name to a callback. Not listening otherwise spares
/// the database and this process a wake-up for every push of every process. When it begins to
/// listen (again, or on a new connection after losing one) it calls the callback with nullopt:
/// pushes committed before were not heard, so every waiter looks again.
class PushListener {
 public:
  using Callback = std::function<void(const std::optional<std::string>& queue)>;

  /// `token` identifies this process's own announcements, which are skipped.
  PushListener(std::string url, std::string channel, std::string token);
  /// Stops the thread; no callback runs after this returns.
  ~PushListener();
  PushListener(const PushListener&) = delete;
  PushListener& operator=(const PushListener&) = delete;

  /// Announces a push to `queue` from the thread, soon; announcements of one queue not yet sent
  /// are sent once.
  void announce(const std::string& queue);
  /// Replaces the callback; an empty one stops listening. Returns once no call to the previous one
  /// is running.
  void set_callback(Callback callback);
  /// Whether polls of this process wait for pushes now; see RemotePushes::set_waiting. Lock-free.
  void set_waiting(bool waiting);

 private:
  void run();
  /// Listens on one connection until it breaks or stop is requested.
  void listen_once();
  /// Waits for input on `socket` (unless negative) or the wake-up pipe, at most `timeout_ms`, and
  /// empties the pipe. True when the socket is readable.
  bool wait(int socket, int timeout_ms);
  std::set<std::string> take_announcements();
  /// Whether to listen: a poll waits, or one did within the linger.
  bool wanted() const;
  /// Milliseconds until the linger of the last wait runs out, for a thread that listens meanwhile.
  int linger_left_ms() const;
  /// Calls the callback, which must not stop the thread by throwing.
  void deliver(const std::optional<std::string>& queue);
  /// Wakes the thread out of wait().
  void wake();
  /// Sends what announce() was given; on failure keeps the unsent for the next connection.
  void send_announcements(Connection& connection);

  std::string url_;
  std::string channel_;
  std::string token_;
  std::mutex callback_mutex_;  // held while the callback runs
  Callback callback_;           // under callback_mutex_
  int wake_pipe_[2] = {-1, -1};  // written to wake the thread out of poll(): to stop, or to announce
  std::atomic<bool> stopping_{false};
  std::atomic<bool> waiting_{false};
  std::atomic<bool> listening_{false};  // set before a LISTEN is sent, cleared before an UNLISTEN
  std::atomic<std::chrono::steady_clock::rep> idle_since_{std::chrono::steady_clock::time_point::min().time_since_epoch().count()};
  std::mutex mutex_;
  std::set<std::string> announcements_;  // under mutex_
  std::thread thread_;
};

}  // namespace conductor::detail::pg
