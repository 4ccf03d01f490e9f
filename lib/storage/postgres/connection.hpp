#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace conductor::detail::pg {

/// A query's result rows. Values arrive as text (libpq's text format), converted on access.
class Result {
 public:
  explicit Result(PGresult* result) : result_(result, &PQclear) {}

  int rows() const { return PQntuples(result_.get()); }
  bool empty() const { return rows() == 0; }
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string_view text(int row, int column) const {
    return {PQgetvalue(result_.get(), row, column),
            static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
  }
  std::optional<std::string> optional_text(int row, int column) const;
  std::int64_t int64(int row, int column) const;
  /// Rows an INSERT, UPDATE or DELETE touched.
  std::int64_t affected() const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

/// Query parameters in libpq's text format; nullopt is SQL NULL. The server infers each one's type
/// from where it is used.
class Params {
 public:
  template <class... Args>
  explicit Params(const Args&... args) {
    values_.reserve(sizeof...(args));
    (add(args), ...);
  }

  void add(std::string_view value) { values_.emplace_back(std::string(value)); }
  void add(const std::string& value) { values_.emplace_back(value); }
  void add(const char* value) { values_.emplace_back(std::string(value)); }
  void add(std::int64_t value) { values_.emplace_back(std::to_string(value)); }
  void add(int value) { values_.emplace_back(std::to_string(value)); }
  void add(bool value) { values_.emplace_back(value ? "true" : "false"); }
  template <class T>
  void add(const std::optional<T>& value) {
    if (value) {
      add(*value);
    } else {
      values_.emplace_back(std::nullopt);
    }
  }

  int size() const { return static_cast<int>(values_.size()); }
  /// Pointers for libpq, valid while this object lives unchanged.
  std::vector<const char*> pointers() const;

 private:
  std::vector<std::optional<std::string>> values_;
};

/// One connection to the server. Statements run through `query` are prepared once per connection
/// and reused; `query_once` is for SQL built per call (searches), which is not worth preparing.
/// Errors are thrown as UnavailableError when retrying may succeed (lost connection, serialization
/// failure, deadlock, server shutting down) and StorageError otherwise.
class Connection {
 public:
  /// Connects; UnavailableError when the server cannot be reached, StorageError for a bad URL or
  /// rejected credentials.
  explicit Connection(const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  template <class... Args>
  Result query(std::string_view sql, const Args&... args) {
    return prepared(sql, Params(args...));
  }
  Result prepared(std::string_view sql, const Params& params);
  Result query_once(const std::string& sql, const Params& params);
  /// Runs SQL without parameters, possibly several statements.
  void exec(const std::string& sql);

  /// Runs SQL like exec; returns the last statement's command tag (COMMIT, ROLLBACK, ...).
  std::string exec_status(const std::string& sql);
  /// Runs SQL ignoring any error (ROLLBACK on a path that is already failing). False on error.
  bool try_exec(const char* sql) noexcept;

  /// False once the connection broke; a broken connection is closed, never reused.
  bool healthy() const;
  /// Quotes a string as an SQL literal.
  std::string literal(std::string_view text) const;
  PGconn* raw() { return conn_; }

 private:
  /// Throws the error `result` (or the connection) reports; a no-op for a successful result.
  void check(PGresult* result, std::string_view sql) const;

  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> statements_;  // SQL -> prepared statement name
};

/// Whether an error's SQLSTATE means retrying the transaction may succeed.
bool retryable_state(std::string_view sqlstate);

}  // namespace conductor::detail::pg
