#include <sqlite3.h>

#include <fmt/format.h>

#include <chrono>
#include <stdexcept>

#include "bench.hpp"

namespace conductor::bench {
namespace {

using Clock = std::chrono::steady_clock;

/// A bare SQLite connection set up the way the engine's storage sets up its own: WAL on a file with
/// the same synchronous level; the default journal in memory.
class RawDatabase {
 public:
  RawDatabase(StorageKind kind, const std::filesystem::path& dir) {
    std::string path = kind == StorageKind::kMemory ? ":memory:" : (dir / "raw.db").string();
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) fail("open");
    if (kind != StorageKind::kMemory) {
      exec("PRAGMA journal_mode=WAL");
      exec(kind == StorageKind::kFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    }
    exec("CREATE TABLE raw (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)");
    if (sqlite3_prepare_v2(db_, "INSERT INTO raw (payload) VALUES ('x')", -1, &insert_, nullptr) != SQLITE_OK)
      fail("prepare");
    if (sqlite3_prepare_v2(db_, "BEGIN IMMEDIATE", -1, &begin_, nullptr) != SQLITE_OK) fail("prepare");
    if (sqlite3_prepare_v2(db_, "COMMIT", -1, &commit_, nullptr) != SQLITE_OK) fail("prepare");
  }
  ~RawDatabase() {
    sqlite3_finalize(insert_);
    sqlite3_finalize(begin_);
    sqlite3_finalize(commit_);
    sqlite3_close(db_);
  }
  RawDatabase(const RawDatabase&) = delete;
  RawDatabase& operator=(const RawDatabase&) = delete;

  /// One transaction inserting `rows` rows.
  void transaction(int rows) {
    run(begin_);
    for (int i = 0; i < rows; ++i) run(insert_);
    run(commit_);
  }

 private:
  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
  }
  void run(sqlite3_stmt* statement) {
    if (sqlite3_step(statement) != SQLITE_DONE) fail(sqlite3_sql(statement));
    sqlite3_reset(statement);
  }
  [[noreturn]] void fail(const char* what) {
    throw std::runtime_error(fmt::format("raw sqlite: {}: {}", what, sqlite3_errmsg(db_)));
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
};

/// Transactions of `rows` rows per second, measured over `seconds`.
double transactions_per_second(RawDatabase& db, int rows, double seconds) {
  const auto start = Clock::now();
  const auto stop = start + std::chrono::duration<double>(seconds);
  long count = 0;
  auto now = start;
  while (now < stop) {
    db.transaction(rows);
    ++count;
    now = Clock::now();
  }
  return static_cast<double>(count) / std::chrono::duration<double>(now - start).count();
}

}  // namespace

Figures run_raw_storage(StorageKind kind, const std::filesystem::path& dir, double seconds) {
  if (kind == StorageKind::kPostgres) return run_raw_postgres(seconds);
  RawDatabase db(kind, dir);
  const std::string prefix = fmt::format("raw_{}", to_string(kind));
  double single = transactions_per_second(db, 1, seconds / 2);
  double batched = transactions_per_second(db, 100, seconds / 2) * 100;
  return {{prefix + "_commits_per_s", single, "commits/s"}, {prefix + "_batch100_rows_per_s", batched, "rows/s"}};
}

}  // namespace conductor::bench
