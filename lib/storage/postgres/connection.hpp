#pragma once

#include <libpq-fe.h>

#include <chrono>
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
  /// The command tag (COMMIT, ROLLBACK, INSERT 0 1, ...).
  std::string_view command() const { return PQcmdStatus(result_.get()); }

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
/// Statements whose result only matters if it is an error go through `send`: they are pipelined and
/// travel with the next statement that needs an answer, so a transaction costs a round trip per
/// answer it waits for rather than per statement. Errors are thrown as UnavailableError when
/// retrying may succeed (lost connection, serialization failure, deadlock, server shutting down) and
/// StorageError otherwise; the error of a sent statement is thrown by the next call that waits.
/// The SQLSTATEs conductor_fail raises become the library's errors: CSTAL StaleVersionError,
/// CNOTF NotFoundError, CCONF ConflictError.
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
  /// Queues a prepared statement without waiting for it (see the class comment).
  template <class... Args>
  void send(std::string_view sql, const Args&... args) {
    send_prepared(sql, Params(args...));
  }
  Result query_once(const std::string& sql, const Params& params);
  /// Runs SQL without parameters, possibly several statements.
  void exec(const std::string& sql);

  /// Runs SQL ignoring any error (ROLLBACK on a path that is already failing). False on error.
  bool try_exec(const char* sql) noexcept;

  /// Ends the open transaction without waiting: the ROLLBACK's answer is read with the next
  /// statement. For a transaction that wrote nothing, whose ending cannot fail.
  void rollback_later();
  /// No transaction is open, or only a ROLLBACK sent by rollback_later is unanswered.
  bool between_transactions() const;

  /// False once the connection broke; a broken connection is closed, never reused.
  bool healthy() const;
  PGconn* raw() { return conn_; }
  /// When the server last answered; a connection idle for long may have been cut meanwhile.
  std::chrono::steady_clock::time_point last_answer() const { return last_answer_; }

 private:
  /// A statement sent in pipeline mode whose results are not read yet. `prepare` is set for the
  /// preparation of a new statement, which is forgotten again if it fails.
  struct Pending {
    std::string sql;
    bool prepare = false;
  };

  void send_prepared(std::string_view sql, const Params& params);
  /// Ends the pipeline: sends a sync, reads every pending result and leaves pipeline mode. Returns
  /// the last statement's result; throws the first error after reading everything.
  Result sync();
  /// Throws if libpq refused to queue something: the connection is gone.
  void check_sent(int ok, std::string_view sql);
  /// Throws the error `result` (or the connection) reports; a no-op for a successful result.
  void check(PGresult* result, std::string_view sql) const;

  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> statements_;  // SQL -> prepared statement name
  int statements_named_ = 0;  // never reused: a name whose preparation failed may still be queued
  std::vector<Pending> pending_;
  bool rolling_back_ = false;  // the last statement sent is an unanswered ROLLBACK
  std::chrono::steady_clock::time_point last_answer_ = std::chrono::steady_clock::now();
};

/// Whether an error's SQLSTATE means retrying the transaction may succeed.
bool retryable_state(std::string_view sqlstate);

}  // namespace conductor::detail::pg
