#include "storage/postgres/listener.hpp"

#include <conductor/error.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "storage/postgres/connection.hpp"

namespace conductor::detail::pg {

namespace {

/// How long after its last wait a process keeps listening: polls that come and go keep it listening
/// rather than sending a LISTEN and an UNLISTEN each.
constexpr auto kLinger = std::chrono::seconds(1);

/// How long the thread sleeps when nothing is due: a wake-up comes through the pipe anyway.
constexpr int kIdleWaitMs = 60'000;

}  // namespace

std::string push_channel(Connection& connection) {
  return std::string(connection.query("SELECT 'conductor_queues_' || md5(current_schema())").text(0, 0));
}

PushListener::PushListener(std::string url, std::string channel, std::string token)
    : url_(std::move(url)), channel_(std::move(channel)), token_(std::move(token)) {
  // Non-blocking: a wake-up written while the pipe is full is one already pending.
  if (::pipe2(wake_pipe_, O_NONBLOCK) != 0) throw StorageError("postgres: cannot create the listener's wake-up pipe");
  thread_ = std::thread([this] { run(); });
}

PushListener::~PushListener() {
  stopping_ = true;
  wake();
  thread_.join();
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
}

void PushListener::announce(const std::string& queue) {
  {
    std::lock_guard lock(mutex_);
    if (!announcements_.insert(queue).second) return;  // already on its way
  }
  wake();
}

void PushListener::set_callback(Callback callback) {
  {
    std::lock_guard lock(callback_mutex_);
    callback_ = std::move(callback);
    if (callback_) return;
  }
  waiting_ = false;
  idle_since_ = std::chrono::steady_clock::time_point::min().time_since_epoch().count();
  wake();
}

void PushListener::set_waiting(bool waiting) {
  if (!waiting) {
    idle_since_ = std::chrono::steady_clock::now().time_since_epoch().count();
    waiting_ = false;
    return;
  }
  waiting_ = true;
  // A thread that is leaving clears listening_ before its UNLISTEN and looks at waiting_ after it,
  // so one of the two sees the other.
  if (!listening_) wake();
}

bool PushListener::wanted() const { return waiting_ || linger_left_ms() > 0; }

int PushListener::linger_left_ms() const {
  const std::chrono::steady_clock::time_point idle_since{std::chrono::steady_clock::duration(idle_since_.load())};
  if (idle_since == std::chrono::steady_clock::time_point::min()) return 0;
  return static_cast<int>(
      std::chrono::ceil<std::chrono::milliseconds>(idle_since + kLinger - std::chrono::steady_clock::now()).count());
}

void PushListener::wake() {
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
  listening_ = false;
  Connection connection(url_);
  PGconn* raw = connection.raw();
  while (!stopping_) {
    send_announcements(connection);
    if (const bool wanted = this->wanted(); wanted != listening_) {
      listening_ = wanted;
      connection.exec(fmt::format("{} {}", wanted ? "LISTEN" : "UNLISTEN", channel_));
      // Pushes committed before the LISTEN took effect were not heard.
      if (wanted) deliver(std::nullopt);
      continue;  // a waiter may have come during an UNLISTEN
    }
    // Notifications may have arrived with the answers above, as well as on the socket.
    while (PGnotify* notify = PQnotifies(raw)) {
      std::string_view payload = notify->extra;
      if (auto split = payload.find('\n'); split != std::string_view::npos && payload.substr(0, split) != token_) {
        deliver(std::string(payload.substr(split + 1)));
      }
      PQfreemem(notify);
    }
    // While listening, it looks at least once a linger whether the last waiter has left.
    const int timeout_ms = !listening_ ? kIdleWaitMs
                           : waiting_ ? static_cast<int>(std::chrono::milliseconds(kLinger).count())
                                      : std::max(1, linger_left_ms());
    if (wait(PQsocket(raw), timeout_ms) && PQconsumeInput(raw) == 0) return;  // the connection broke
  }
}

void PushListener::deliver(const std::optional<std::string>& queue) {
  std::lock_guard lock(callback_mutex_);
  if (!callback_) return;
  try {
    callback_(queue);
  } catch (...) {
    // A listener that throws must not stop the wake-ups of the others.
  }
}

}  // namespace conductor::detail::pg
