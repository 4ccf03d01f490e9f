#include "storage/postgres/pool.hpp"

#include <conductor/error.hpp>

#include <fmt/format.h>

namespace conductor::detail::pg {

Pool::Pool(std::string url, int size, std::chrono::milliseconds acquire_timeout)
    : url_(std::move(url)), size_(size), acquire_timeout_(acquire_timeout) {
  if (size_ < 1) throw ValidationError(fmt::format("postgres: pool_size must be at least 1, not {}", size_));
}

std::unique_ptr<Connection> Pool::take() {
  {
    std::unique_lock lock(mutex_);
    const bool available = freed_.wait_for(lock, acquire_timeout_, [&] { return !idle_.empty() || open_ < size_; });
    if (!available) {
      throw UnavailableError(
          fmt::format("postgres: all {} connections stayed busy for {} ms", size_, acquire_timeout_.count()));
    }
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
    ++open_;
  }
  // Connecting takes a round trip or more: outside the lock.
  try {
    return std::make_unique<Connection>(url_);
  } catch (...) {
    {
      std::lock_guard lock(mutex_);
      --open_;
    }
    freed_.notify_one();
    throw;
  }
}

void Pool::give(std::unique_ptr<Connection> connection) noexcept {
  const bool reusable = connection->healthy() && connection->between_transactions();
  if (!reusable) connection.reset();
  {
    std::lock_guard lock(mutex_);
    if (reusable) {
      idle_.push_back(std::move(connection));
    } else {
      --open_;
    }
  }
  freed_.notify_one();
}

}  // namespace conductor::detail::pg
