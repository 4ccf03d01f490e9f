#pragma once

#include "storage/sqlite/connection.hpp"

namespace conductor::detail {

/// The schema version this library writes: the number of the last migration.
int latest_schema_version();

/// Applies, in one transaction, every migration the database has not recorded yet, and records each
/// in `schema_migrations`. Throws StorageError when the database is newer than this library.
void migrate(Connection& db);

}  // namespace conductor::detail
