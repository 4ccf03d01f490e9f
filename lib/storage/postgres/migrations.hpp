#pragma once

#include "storage/postgres/connection.hpp"

namespace conductor::detail::pg {

/// The schema version this library writes.
int latest_schema_version();

/// Brings the database to the latest schema, applying each missing migration in its own
/// transaction. Processes starting at once take turns on an advisory lock, so each migration runs
/// once. Throws StorageError when the database is newer than this library.
void migrate(Connection& db);

}  // namespace conductor::detail::pg
