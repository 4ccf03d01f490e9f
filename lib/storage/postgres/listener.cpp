#include "storage/postgres/listener.hpp"

#include <conductor/error.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <utility>

#include "storage/postgres/connection.hpp"

namespace conductor::detail::pg {

std::string push_channel(Connection& connection) {
  return std::string(connection.query("SELECT 'conductor_queues_' || md5(current_schema())").text(0, 0));
}

PushListener::PushListener(std::string url, std::string channel, std::string token, Callback callback)
    : url_(std::move(url)), channel_(std::move(channel)), token_(std::move(token)), callback_(std::move(callback)) {
  // Non-blocking: a wake-up written while the pipe is full is one already pending.
  if (::pipe2(wake_pipe_, O_NONBLOCK) != 0) throw StorageError("postgres: cannot create the listener's wake-up pipe");
  thread_ = std::thread([this] { run(); });
}

PushListener::~PushListener() {
  stopping_ = true;
  const char byte = 0;
  [[maybe_unused]] auto written = ::write(wake_pipe_[1], &byte, 1);
  thread_.join();
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
}

void PushListener::announce(const std::string& queue) {
  {
    std::lock_guard lock(mutex_);
    if (!announcements_.insert(queue).second) return;  // already on its way
  }
  const char byte = 0;
  [[maybe_unused]] auto written = ::write(wake_pipe_[1], &byte, 1);
}

std::set<std::string> PushListener::take_announcements() {
  std::lock_guard lock(mutex_);
  return std::exchange(announcements_, {});
}

bool PushListener::wait(int socket, int timeout_ms) {
  pollfd fds[2] = {{wake_pipe_[0], POLLIN, 0}, {socket, POLLIN, 0}};
  ::poll(fds, socket < 0 ? 1 : 2, timeout_ms);
  if (fds[0].revents & POLLIN) {
    char bytes[64];
    while (::read(wake_pipe_[0], bytes, sizeof bytes) > 0) {
    }
  }
  return socket >= 0 && (fds[1].revents & POLLIN) != 0;
}

void PushListener::send_announcements(Connection& connection) {
  std::set<std::string> pending = take_announcements();
  try {
    for (; !pending.empty(); pending.erase(pending.begin())) {
      connection.query("SELECT pg_notify($1, $2)", channel_, announcement(token_, *pending.begin()));
    }
  } catch (...) {
    // The connection broke: what was not sent goes out on the next one.
    std::lock_guard lock(mutex_);
    announcements_.merge(pending);
    throw;
  }
}

void PushListener::run() {
  while (!stopping_) {
    try {
      listen_once();
    } catch (const std::exception&) {
      // Lost or refused: try again shortly, unless stopping.
    }
    // Announcements wake the pause too; they wait for the new connection.
    const auto retry_at = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    for (auto now = std::chrono::steady_clock::now(); !stopping_ && now < retry_at;
         now = std::chrono::steady_clock::now()) {
      wait(-1, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(retry_at - now).count()));
    }
  }
}

void PushListener::listen_once() {
  Connection connection(url_);
  connection.exec(fmt::format("LISTEN {}", channel_));
  PGconn* raw = connection.raw();
  while (!stopping_) {
    send_announcements(connection);
    // Notifications may have arrived with the answers above, as well as on the socket.
    while (PGnotify* notify = PQnotifies(raw)) {
      std::string_view payload = notify->extra;
      if (auto split = payload.find('\n'); split != std::string_view::npos && payload.substr(0, split) != token_) {
        try {
          callback_(std::string(payload.substr(split + 1)));
        } catch (...) {
          // A listener that throws must not stop the wake-ups of the others.
        }
      }
      PQfreemem(notify);
    }
    if (wait(PQsocket(raw), 60'000) && PQconsumeInput(raw) == 0) return;  // the connection broke
  }
}

}  // namespace conductor::detail::pg
