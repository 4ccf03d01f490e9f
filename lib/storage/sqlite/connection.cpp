#include "storage/sqlite/connection.hpp"

#include <conductor/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace conductor::detail {

void throw_sqlite_error(sqlite3* db, int rc, std::string_view context) {
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message = fmt::format("sqlite: {}: {}", context, detail);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw UnavailableError(message);
    case SQLITE_CONSTRAINT:
      throw ConflictError(message);
    // A full disk (or the configured size limit) and a read-only file refuse writes only: the
    // change is rolled back, reads go on, and writes work again once space returns, so callers
    // may retry.
    case SQLITE_FULL:
      throw UnavailableError(message + " (writes are refused until space is freed; reads still work)");
    case SQLITE_READONLY:
      throw UnavailableError(message + " (the database file cannot be written; reads still work)");
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      throw StorageError(message + " (the file is not an intact SQLite database)");
    default:
      throw StorageError(message);
  }
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_,
                              nullptr);
  if (rc != SQLITE_OK) {
    throw_sqlite_error(db_, rc, fmt::format("prepare `{}`", sql));
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) {
    throw_sqlite_error(db_, rc, "bind");
  }
}

void Statement::bind(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) {
    throw_sqlite_error(db_, rc, "bind");
  }
}

void Statement::bind(int index, std::nullopt_t) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) {
    throw_sqlite_error(db_, rc, "bind");
  }
}

bool Statement::step() {
  int rc = step_allowing_constraint();
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    throw_sqlite_error(db_, rc, sqlite3_sql(stmt_));
  }
  return rc == SQLITE_ROW;
}

int Statement::step_allowing_constraint() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW || rc == SQLITE_DONE || (rc & 0xff) == SQLITE_CONSTRAINT) {
    return rc;
  }
  throw_sqlite_error(db_, rc, sqlite3_sql(stmt_));
}

void Statement::reset() noexcept {
  // reset() repeats the last step's error code; that error was already reported by step().
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string_view Statement::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (data == nullptr) {
    return {};
  }
  return {data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (is_null(column)) {
    return std::nullopt;
  }
  return std::string(text(column));
}

Connection::Connection(const std::string& path, const ConnectionOptions& options) {
  // NOMUTEX: each connection is confined to one thread at a time by the storage's own locking.
  int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string message = fmt::format("sqlite: cannot open {}: {}", path,
                                      db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close_v2(db_);
    throw StorageError(message);
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, options.busy_timeout_ms);
    if (options.wal) {
      // journal_mode reports the mode it ended up in; a file that cannot use WAL is an error we want to see.
      ScopedStatement mode(cached("PRAGMA journal_mode=WAL"));
      if (!mode->step() || mode->text(0) != "wal") {
        throw StorageError(fmt::format("sqlite: {} cannot use WAL journaling", path));
      }
    }
    exec(fmt::format("PRAGMA synchronous={}", options.synchronous));
    if (options.max_bytes > 0) {
      // max_page_count counts pages, and cannot go below the file's current size.
      ScopedStatement page_size(cached("PRAGMA page_size"));
      page_size->step();
      const std::int64_t pages = std::max<std::int64_t>(1, options.max_bytes / page_size->int64(0));
      exec(fmt::format("PRAGMA max_page_count={}", pages));
    }
  } catch (...) {
    cache_.clear();
    sqlite3_close_v2(db_);
    throw;
  }
}

Connection::~Connection() {
  cache_.clear();
  sqlite3_close_v2(db_);
}

void Connection::exec(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    sqlite3_free(error);
    throw_sqlite_error(db_, rc, text);
  }
}

void Connection::rollback() noexcept {
  if (!autocommit()) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Statement& Connection::cached(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    it = cache_.emplace(std::string(sql), std::make_unique<Statement>(db_, sql)).first;
  }
  if (read_only_ && !it->second->read_only()) {
    throw StorageError(fmt::format("sqlite: a read transaction cannot run `{}`", sql));
  }
  return *it->second;
}

}  // namespace conductor::detail
