#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/postgres/connection.hpp"

namespace conductor::detail::pg {

/// At most `size` connections to one database, opened on demand and kept while healthy. A broken
/// connection is dropped when given back, and the next take() opens a new one: that is how the
/// storage comes back after the server restarts or the network recovers. Thread-safe.
class Pool {
 public:
  Pool(std::string url, int size, std::chrono::milliseconds acquire_timeout);

  /// A connection outside any transaction. UnavailableError when none frees up in time or the server
  /// cannot be reached.
  std::unique_ptr<Connection> take();
  /// Returns a connection; one that is broken or still inside a transaction is closed instead.
  void give(std::unique_ptr<Connection> connection) noexcept;

  const std::string& url() const { return url_; }
  int size() const { return size_; }

 private:
  std::string url_;
  int size_;
  std::chrono::milliseconds acquire_timeout_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mutex_
  int open_ = 0;                                   // idle and taken; guarded by mutex_
};

}  // namespace conductor::detail::pg
