#include "storage/postgres/listener.hpp"

#include <conductor/error.hpp>

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>

#include "storage/postgres/connection.hpp"

namespace conductor::detail::pg {
namespace {

/// Waits for input on `socket` or the stop pipe, at most `timeout_ms`; false when stopping.
bool wait_readable(int socket, int stop_pipe, int timeout_ms) {
  pollfd fds[2] = {{socket, POLLIN, 0}, {stop_pipe, POLLIN, 0}};
  const int count = socket < 0 ? 1 : 2;
  pollfd* first = socket < 0 ? &fds[1] : &fds[0];
  ::poll(first, static_cast<nfds_t>(count), timeout_ms);
  return (fds[1].revents & POLLIN) == 0;
}

}  // namespace

std::string push_channel(Connection& connection) {
  return std::string(connection.query("SELECT 'conductor_queues_' || md5(current_schema())").text(0, 0));
}

PushListener::PushListener(std::string url, std::string channel, std::string token, Callback callback)
    : url_(std::move(url)), channel_(std::move(channel)), token_(std::move(token)), callback_(std::move(callback)) {
  if (::pipe(wake_pipe_) != 0) throw StorageError("postgres: cannot create the listener's wake-up pipe");
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

void PushListener::run() {
  while (!stopping_) {
    try {
      listen_once();
    } catch (const std::exception&) {
      // Lost or refused: try again shortly, unless stopping.
    }
    if (!stopping_) wait_readable(-1, wake_pipe_[0], 1000);
  }
}

void PushListener::listen_once() {
  Connection connection(url_);
  connection.exec(fmt::format("LISTEN {}", channel_));
  PGconn* raw = connection.raw();
  while (!stopping_) {
    if (!wait_readable(PQsocket(raw), wake_pipe_[0], 60'000)) return;
    if (PQconsumeInput(raw) == 0) return;  // the connection broke
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
  }
}

}  // namespace conductor::detail::pg
