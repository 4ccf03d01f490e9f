#include <fmt/format.h>

#include <chrono>
#include <stdexcept>

#include "bench.hpp"

#ifdef CONDUCTOR_WITH_POSTGRES
#include <libpq-fe.h>

#include "postgres/postgres_fixture.hpp"
#endif

namespace conductor::bench {
namespace {

std::string& server() {
  static std::string url;
  return url;
}

}  // namespace

void set_postgres_server(std::string url) { server() = std::move(url); }

const std::string& postgres_server() { return server(); }

#ifdef CONDUCTOR_WITH_POSTGRES

std::string postgres_database() {
  // A schema per run, kept: the server is thrown away after the benchmark, or is the user's own.
  const std::string name = fmt::format("bench{}", std::chrono::steady_clock::now().time_since_epoch().count());
  testing::postgres_admin(server(), "CREATE SCHEMA " + name);
  return fmt::format("{}{}options=-csearch_path%3D{}", server(), server().find('?') == std::string::npos ? "?" : "&",
                     name);
}

Figures run_raw_postgres(double seconds) {
  const std::string url = postgres_database();
  testing::postgres_admin(url, "CREATE TABLE raw (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)");
  PGconn* conn = PQconnectdb(url.c_str());
  auto run = [&](const char* sql) {
    PGresult* result = PQexec(conn, sql);
    const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    PQclear(result);
    if (!ok) throw std::runtime_error(fmt::format("raw postgres: {}: {}", sql, PQerrorMessage(conn)));
  };
  // One client, one row per transaction, BEGIN, INSERT and COMMIT a round trip each: what the disk
  // and the server allow without pipelining or shared flushes.
  const auto start = std::chrono::steady_clock::now();
  const auto stop = start + std::chrono::duration<double>(seconds);
  long count = 0;
  auto now = start;
  try {
    while (now < stop) {
      run("BEGIN");
      run("INSERT INTO raw (payload) VALUES ('x')");
      run("COMMIT");
      ++count;
      now = std::chrono::steady_clock::now();
    }
  } catch (...) {
    PQfinish(conn);
    throw;
  }
  PQfinish(conn);
  return {{"raw_postgres_commits_per_s", static_cast<double>(count) / std::chrono::duration<double>(now - start).count(),
           "commits/s"}};
}

#else

std::string postgres_database() { throw std::invalid_argument("postgres: this build has no PostgreSQL support"); }
Figures run_raw_postgres(double) { throw std::invalid_argument("postgres: this build has no PostgreSQL support"); }

#endif

}  // namespace conductor::bench
