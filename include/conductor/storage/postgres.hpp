#pragma once

#include <conductor/export.hpp>
#include <conductor/storage/storage.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace conductor {

struct PostgresOptions {
  /// A libpq connection string: `postgresql://user:password@host:port/database?options` or
  /// `host=... dbname=...`.
  std::string url;
  /// Connections kept by this process; a transaction holds one from begin to end.
  int pool_size = 8;
  /// How long begin() waits for a free connection before UnavailableError.
  std::chrono::milliseconds acquire_timeout{5000};
};

/// Opens a PostgreSQL database shared by any number of engine processes and migrates its schema to
/// the current version. Available when the library was built with libpq (CONDUCTOR_WITH_POSTGRES).
/// Throws StorageError for a malformed URL, rejected credentials, a missing database or a schema
/// newer than this library; UnavailableError when the server cannot be reached. Once open, a lost
/// connection makes calls fail with UnavailableError until the server answers again.
CONDUCTOR_EXPORT std::unique_ptr<Storage> open_postgres(const PostgresOptions& options);

}  // namespace conductor
