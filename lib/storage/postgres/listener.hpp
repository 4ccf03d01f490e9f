#pragma once

#include <fmt/format.h>

#include <atomic>
#include <functional>
#include <mutex>
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

/// A thread holding one connection that LISTENs on a push channel and hands every other sender's
/// queue name to a callback, and sends the announcements given to announce(). It reconnects after
/// losing the connection (pushes announced meanwhile are missed; waiting polls then wake at their
/// timeout or the next visible message, as before).
class PushListener {
 public:
  using Callback = std::function<void(const std::string& queue)>;

  /// `token` identifies this process's own announcements, which are skipped.
  PushListener(std::string url, std::string channel, std::string token, Callback callback);
  /// Stops the thread; no callback runs after this returns.
  ~PushListener();
  PushListener(const PushListener&) = delete;
  PushListener& operator=(const PushListener&) = delete;

  /// Announces a push to `queue` from the thread, soon; announcements of one queue not yet sent
  /// are sent once.
  void announce(const std::string& queue);

 private:
  void run();
  /// Listens on one connection until it breaks or stop is requested.
  void listen_once();
  /// Waits for input on `socket` (unless negative) or the wake-up pipe, at most `timeout_ms`, and
  /// empties the pipe. True when the socket is readable.
  bool wait(int socket, int timeout_ms);
  std::set<std::string> take_announcements();
  /// Sends what announce() was given; on failure keeps the unsent for the next connection.
  void send_announcements(Connection& connection);

  std::string url_;
  std::string channel_;
  std::string token_;
  Callback callback_;
  int wake_pipe_[2] = {-1, -1};  // written to wake the thread out of poll(): to stop, or to announce
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::set<std::string> announcements_;  // under mutex_
  std::thread thread_;
};

}  // namespace conductor::detail::pg
