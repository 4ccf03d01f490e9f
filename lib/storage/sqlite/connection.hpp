#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

/// A thin RAII layer over the SQLite C API. Every failure becomes one of the library's typed errors:
/// SQLITE_BUSY/LOCKED, a full disk and a read-only file are UnavailableError (a retry may succeed),
/// constraint violations are ConflictError, anything else is StorageError. Nothing here is thread-safe; a Connection is used
/// by one thread at a time.
namespace conductor::detail {

/// Throws the typed error matching `rc`, with SQLite's message for `db`.
[[noreturn]] void throw_sqlite_error(sqlite3* db, int rc, std::string_view context);

/// One prepared statement. Text and blob parameters are copied when bound.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int index, std::int64_t value);
  void bind(int index, int value) { bind(index, static_cast<std::int64_t>(value)); }
  void bind(int index, bool value) { bind(index, static_cast<std::int64_t>(value ? 1 : 0)); }
  void bind(int index, std::string_view value);
  void bind(int index, const std::string& value) { bind(index, std::string_view(value)); }
  void bind(int index, const char* value) { bind(index, std::string_view(value)); }
  void bind(int index, std::nullopt_t);
  template <class T>
  void bind(int index, const std::optional<T>& value) {
    if (value) {
      bind(index, *value);
    } else {
      bind(index, std::nullopt);
    }
  }
  /// Binds `args` to parameters 1..N.
  template <class... Args>
  void bind_all(const Args&... args) {
    int index = 0;
    (bind(++index, args), ...);
  }

  /// Advances: true when a row is available, false when the statement is done.
  bool step();
  /// Like step(), but returns SQLITE_CONSTRAINT (extended code) instead of throwing ConflictError.
  int step_allowing_constraint();
  /// Rewinds the statement and clears its parameters.
  void reset() noexcept;

  /// True when the statement does not write to the database.
  bool read_only() const { return sqlite3_stmt_readonly(stmt_) != 0; }

  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  int integer(int column) const { return sqlite3_column_int(stmt_, column); }
  /// Valid until the next step or reset.
  std::string_view text(int column) const;
  std::optional<std::string> optional_text(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// A cached statement checked out for one use: resets it when it goes out of scope, so the cache can
/// hand it out again.
class ScopedStatement {
 public:
  explicit ScopedStatement(Statement& statement) : statement_(&statement) {}
  ScopedStatement(ScopedStatement&& other) noexcept : statement_(std::exchange(other.statement_, nullptr)) {}
  ScopedStatement& operator=(ScopedStatement&&) = delete;
  ~ScopedStatement() {
    if (statement_ != nullptr) {
      statement_->reset();
    }
  }

  Statement* operator->() const { return statement_; }
  Statement& operator*() const { return *statement_; }

 private:
  Statement* statement_;
};

struct ConnectionOptions {
  int busy_timeout_ms = 5000;
  /// PRAGMA synchronous value: "FULL", "NORMAL" or "OFF".
  std::string_view synchronous = "FULL";
  /// WAL journal; off for in-memory databases, which have no file to log to.
  bool wal = true;
  /// When positive, writes that would grow the database past this size fail as a full disk does.
  std::int64_t max_bytes = 0;
};

/// One SQLite connection with a cache of prepared statements keyed by SQL text.
class Connection {
 public:
  Connection(const std::string& path, const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Runs one or more statements without parameters or results.
  void exec(std::string_view sql);

  /// The cached statement for `sql` with `args` bound, ready to step. Throws StorageError for a
  /// statement that writes while the connection is read-only.
  template <class... Args>
  ScopedStatement query(std::string_view sql, const Args&... args) {
    ScopedStatement statement(cached(sql));
    statement->bind_all(args...);
    return statement;
  }

  /// Refuses statements that write, for a read transaction on a connection that also writes. Unlike
  /// PRAGMA query_only, switching this does not expire every prepared statement.
  void set_read_only(bool read_only) { read_only_ = read_only; }

  /// Runs a cached statement to completion; returns the number of rows it changed.
  template <class... Args>
  int execute(std::string_view sql, const Args&... args) {
    ScopedStatement statement = query(sql, args...);
    while (statement->step()) {
    }
    return changes();
  }

  /// A statement outside the cache, for SQL built at run time (search queries).
  std::unique_ptr<Statement> prepare(std::string_view sql) { return std::make_unique<Statement>(db_, sql); }

  /// Ends the open transaction, if any, ignoring errors: used where the caller is already failing.
  void rollback() noexcept;

  int changes() const { return sqlite3_changes(db_); }
  /// False while a transaction is open.
  bool autocommit() const { return sqlite3_get_autocommit(db_) != 0; }
  sqlite3* handle() const { return db_; }

 private:
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };

  Statement& cached(std::string_view sql);

  sqlite3* db_ = nullptr;
  bool read_only_ = false;
  std::unordered_map<std::string, std::unique_ptr<Statement>, SqlHash, std::equal_to<>> cache_;
};

}  // namespace conductor::detail
