#pragma once

#include <conductor/export.hpp>
#include <conductor/metrics.hpp>
#include <conductor/storage/storage.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace conductor {

/// How SQLite makes a commit durable.
enum class SqliteSync {
  kFull,    ///< synchronous=FULL: a commit survives power loss
  kNormal,  ///< synchronous=NORMAL: a commit survives a process crash; power loss may lose the last ones
  kOff,     ///< no syncs; for tests and benchmarks only
};

struct SqliteOptions {
  /// A file path, or ":memory:" for a private in-memory database.
  std::string path = ":memory:";
  SqliteSync sync = SqliteSync::kFull;
  /// How long a connection waits for a lock held by another process before UnavailableError.
  std::chrono::milliseconds busy_timeout{5000};
  /// When positive, the largest the database file may grow (rounded down to whole pages): a write
  /// past it is refused with UnavailableError, as on a full disk, and nothing else changes.
  std::int64_t max_size_bytes = 0;
  /// Receives each commit's latency and batch size (Metrics::storage_committed); none when null.
  std::shared_ptr<Metrics> metrics;
};

/// Opens (creating if needed) a SQLite database and migrates its schema to the current version.
/// Throws StorageError when the file cannot be opened, is not an intact SQLite database, belongs to
/// another application (tables but no Embedded Conductor schema) or has a schema newer than this
/// library. Once open, a full disk or a read-only file makes writes throw UnavailableError (the
/// change is rolled back; reads go on working) until space returns.
CONDUCTOR_EXPORT std::unique_ptr<Storage> open_sqlite(const SqliteOptions& options);

}  // namespace conductor
