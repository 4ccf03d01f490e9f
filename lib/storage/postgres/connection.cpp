#include "storage/postgres/connection.hpp"

#include <conductor/error.hpp>
#include <conductor/storage/storage.hpp>

#include <fmt/format.h>

#include <charconv>
#include <utility>

#include "storage/transient_conflict.hpp"

namespace conductor::detail::pg {
namespace {

/// The first line of libpq's message: the rest repeats the statement or gives hints.
std::string first_line(const char* message) {
  std::string text = message == nullptr ? "" : message;
  if (auto end = text.find('\n'); end != std::string::npos) text.resize(end);
  return text;
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

}  // namespace

bool retryable_state(std::string_view sqlstate) {
  // Class 08: connection exceptions; 40001 serialization failure; 40P01 deadlock; 55P03 lock not
  // available; 57P01-57P03: the server is shutting down or starting.
  return sqlstate.starts_with("08") || sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03" ||
         sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
}

std::optional<std::string> Result::optional_text(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return std::string(text(row, column));
}

std::int64_t Result::int64(int row, int column) const {
  std::string_view value = text(row, column);
  std::int64_t number = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (error != std::errc() || end != value.data() + value.size()) {
    throw StorageError(fmt::format("postgres: expected an integer, got '{}'", value));
  }
  return number;
}

std::int64_t Result::affected() const {
  const char* tuples = PQcmdTuples(result_.get());
  return tuples == nullptr || *tuples == '\0' ? 0 : std::stoll(tuples);
}

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> result;
  result.reserve(values_.size());
  for (const auto& value : values_) result.push_back(value ? value->c_str() : nullptr);
  return result;
}

Connection::Connection(const std::string& url) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &parse_error);
  if (options == nullptr) {
    std::string message = first_line(parse_error);
    PQfreemem(parse_error);
    throw StorageError(fmt::format("postgres: invalid connection URL: {}", message));
  }
  PQconninfoFree(options);
  conn_ = PQconnectdb(url.c_str());
  if (PQstatus(conn_) == CONNECTION_OK) {
    // Notices (a table that already exists, and the like) must not reach stderr.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    // The engine's statements each take microseconds; PostgreSQL compiles a plan whose estimate
    // is high (a generic plan of a recursive query, say) to machine code first, which takes tens of
    // milliseconds every time it runs.
    if (try_exec("SET jit = off")) return;
    PQfinish(conn_);
    conn_ = nullptr;
    throw UnavailableError("postgres: the connection broke while it was set up");
  }
  std::string message = first_line(PQerrorMessage(conn_));
  const bool rejected = PQconnectionNeedsPassword(conn_) != 0 || contains(message, "authentication failed") ||
                        contains(message, "does not exist") || contains(message, "no password supplied") ||
                        contains(message, "no pg_hba.conf entry");
  PQfinish(conn_);
  conn_ = nullptr;
  if (rejected) throw StorageError(fmt::format("postgres: the server refused the connection: {}", message));
  throw UnavailableError(fmt::format("postgres: cannot reach the server: {}", message));
}

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

bool Connection::try_exec(const char* sql) noexcept {
  if (!pending_.empty()) {
    try {
      sync();
    } catch (...) {
      // The statement below is what matters: it runs whatever the pipeline's outcome.
    }
    if (!healthy()) return false;
  }
  PGresult* result = PQexec(conn_, sql);
  const bool ok = result != nullptr && PQresultStatus(result) == PGRES_COMMAND_OK;
  PQclear(result);
  return ok;
}

bool Connection::healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

void Connection::rollback_later() {
  send("ROLLBACK");
  // Sent now, not left in libpq's buffer: the server ends the transaction at once, so a connection
  // that then sits in the pool holds no snapshot, and only the answer waits to be read.
  if (PQflush(conn_) != 0) check_sent(0, "ROLLBACK");
  rolling_back_ = true;
}

bool Connection::between_transactions() const {
  return rolling_back_ || PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

void Connection::check(PGresult* result, std::string_view sql) const {
  ExecStatusType status = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
  std::string sqlstate;
  std::string message;
  std::string primary;  // the message alone, without severity and details
  if (result != nullptr) {
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    sqlstate = state == nullptr ? "" : state;
    message = first_line(PQresultErrorMessage(result));
    const char* text = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    primary = text == nullptr ? message : text;
    PQclear(result);
  }
  if (message.empty()) message = first_line(PQerrorMessage(conn_));
  if (sqlstate == "40001" || sqlstate == "40P01") {
    throw TransientConflict(fmt::format("postgres: {}", message));
  }
  // Raised on purpose by conductor_fail: the message is the library's own.
  if (sqlstate == "CSTAL") throw StaleVersionError(primary);
  if (sqlstate == "CNOTF") throw NotFoundError(primary);
  if (sqlstate == "CCONF") throw ConflictError(primary);
  // No SQLSTATE: libpq itself failed, which means the connection is gone.
  if (sqlstate.empty() || retryable_state(sqlstate) || !healthy()) {
    throw UnavailableError(fmt::format("postgres: {}", message));
  }
  throw StorageError(fmt::format("postgres: {} ({}) in: {}", message, sqlstate, sql.substr(0, 200)));
}

void Connection::check_sent(int ok, std::string_view sql) {
  if (ok == 1) return;
  throw UnavailableError(fmt::format("postgres: {} (sending: {})", first_line(PQerrorMessage(conn_)), sql.substr(0, 80)));
}

void Connection::send_prepared(std::string_view sql, const Params& params) {
  rolling_back_ = false;
  if (PQpipelineStatus(conn_) == PQ_PIPELINE_OFF) check_sent(PQenterPipelineMode(conn_), sql);
  auto [it, added] = statements_.try_emplace(std::string(sql));
  if (added) {
    it->second = fmt::format("s{}", ++statements_named_);
    if (PQsendPrepare(conn_, it->second.c_str(), it->first.c_str(), 0, nullptr) != 1) {
      statements_.erase(it);
      check_sent(0, sql);
    }
    pending_.push_back({it->first, true});
  }
  std::vector<const char*> values = params.pointers();
  check_sent(PQsendQueryPrepared(conn_, it->second.c_str(), params.size(), values.data(), nullptr, nullptr, 0), sql);
  pending_.push_back({it->first, false});
}

Result Connection::sync() {
  std::vector<Pending> pending = std::exchange(pending_, {});
  rolling_back_ = false;
  check_sent(PQpipelineSync(conn_), "sync");
  PGresult* last = nullptr;
  PGresult* failure = nullptr;
  std::string failed_sql;
  bool broken = false;
  for (const Pending& entry : pending) {
    PGresult* result = PQgetResult(conn_);
    if (result == nullptr) {
      broken = true;
      break;
    }
    // Each statement's results end with a null; the next call starts the next statement's.
    while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      PQclear(last);
      last = result;
      continue;
    }
    if (entry.prepare) statements_.erase(entry.sql);
    // After an error the server skips the rest of the pipeline (PGRES_PIPELINE_ABORTED): the first
    // failure is the one to report.
    if (failure == nullptr) {
      failure = result;
      failed_sql = entry.sql;
    } else {
      PQclear(result);
    }
  }
  if (!broken) {
    PGresult* end = PQgetResult(conn_);
    broken = end == nullptr || PQresultStatus(end) != PGRES_PIPELINE_SYNC;
    PQclear(end);
  }
  if (!broken) broken = PQexitPipelineMode(conn_) != 1;
  if (broken && failure == nullptr) {
    PQclear(last);
    throw UnavailableError(fmt::format("postgres: {}", first_line(PQerrorMessage(conn_))));
  }
  last_answer_ = std::chrono::steady_clock::now();
  if (failure != nullptr) {
    PQclear(last);
    check(failure, failed_sql);
  }
  return Result(last);
}

Result Connection::prepared(std::string_view sql, const Params& params) {
  if (!pending_.empty()) {
    // One round trip for what was sent before and this statement.
    send_prepared(sql, params);
    return sync();
  }
  auto [it, added] = statements_.try_emplace(std::string(sql));
  if (added) {
    std::string name = fmt::format("s{}", ++statements_named_);
    try {
      PGresult* prepared = PQprepare(conn_, name.c_str(), it->first.c_str(), 0, nullptr);
      check(prepared, sql);  // clears a failed result itself
      PQclear(prepared);
    } catch (...) {
      statements_.erase(it);
      throw;
    }
    it->second = std::move(name);
  }
  std::vector<const char*> values = params.pointers();
  PGresult* result =
      PQexecPrepared(conn_, it->second.c_str(), params.size(), values.data(), nullptr, nullptr, 0);
  check(result, sql);
  last_answer_ = std::chrono::steady_clock::now();
  return Result(result);
}

Result Connection::query_once(const std::string& sql, const Params& params) {
  if (!pending_.empty()) sync();
  std::vector<const char*> values = params.pointers();
  PGresult* result = PQexecParams(conn_, sql.c_str(), params.size(), nullptr, values.data(), nullptr, nullptr, 0);
  check(result, sql);
  return Result(result);
}

void Connection::exec(const std::string& sql) {
  if (!pending_.empty()) sync();
  PGresult* result = PQexec(conn_, sql.c_str());
  check(result, sql);
  PQclear(result);
}

}  // namespace conductor::detail::pg
