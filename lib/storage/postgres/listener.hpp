#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace conductor::detail::pg {

class Connection;

/// The channel pushes are announced on: one per schema (the first of the connection's search path),
/// so that deployments sharing a database in schemas of their own do not wake each other. Each
/// payload is `<sender token>\n<queue>`.
std::string push_channel(Connection& connection);

/// A thread holding one connection that LISTENs on a push channel and hands every other sender's
/// queue name to a callback. It reconnects after losing the connection (pushes announced meanwhile
/// are missed; waiting polls then wake at their timeout or the next visible message, as before).
class PushListener {
 public:
  using Callback = std::function<void(const std::string& queue)>;

  /// `token` identifies this process's own announcements, which are skipped.
  PushListener(std::string url, std::string channel, std::string token, Callback callback);
  /// Stops the thread; no callback runs after this returns.
  ~PushListener();
  PushListener(const PushListener&) = delete;
  PushListener& operator=(const PushListener&) = delete;

 private:
  void run();
  /// Listens on one connection until it breaks or stop is requested.
  void listen_once();

  std::string url_;
  std::string channel_;
  std::string token_;
  Callback callback_;
  int wake_pipe_[2] = {-1, -1};  // written to stop the thread out of poll()
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace conductor::detail::pg
