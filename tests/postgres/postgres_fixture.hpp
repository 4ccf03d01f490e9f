#pragma once

#include <conductor/storage/postgres.hpp>

#include <libpq-fe.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

/// PostgreSQL for the tests: the server ctest started (its URL in the file named by
/// CONDUCTOR_TEST_POSTGRES_URL_FILE) or any other one (CONDUCTOR_TEST_POSTGRES_URL). Each fixture
/// gets a schema of its own, so tests never see each other's rows and need no database of their own.
namespace conductor::testing {

/// The server's URL; throws when the test runs without one.
inline std::string postgres_server_url() {
  if (const char* url = std::getenv("CONDUCTOR_TEST_POSTGRES_URL")) return url;
  if (const char* file = std::getenv("CONDUCTOR_TEST_POSTGRES_URL_FILE")) {
    std::ifstream in(file);
    std::string url;
    if (std::getline(in, url) && !url.empty()) return url;
    throw std::runtime_error(std::string("no PostgreSQL URL in ") + file + " (did the cluster start?)");
  }
  throw std::runtime_error("set CONDUCTOR_TEST_POSTGRES_URL to a PostgreSQL server the tests may use");
}

/// Runs one statement on the server and returns the first value it answers (empty when none);
/// throws with the server's message when it fails.
inline std::string postgres_admin(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string error;
  std::string value;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    PGresult* result = PQexec(conn, sql.c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK && PQresultStatus(result) != PGRES_TUPLES_OK) {
      error = PQresultErrorMessage(result);
    } else if (PQntuples(result) > 0 && PQnfields(result) > 0) {
      value = PQgetvalue(result, 0, 0);
    }
    PQclear(result);
  }
  PQfinish(conn);
  if (!error.empty()) throw std::runtime_error("postgres: " + error);
  return value;
}

/// A schema created for one fixture and dropped with it.
class PostgresSchema {
 public:
  PostgresSchema() : server_(postgres_server_url()) {
    name_ = "t" + std::to_string(std::random_device{}()) + std::to_string(std::random_device{}());
    postgres_admin(server_, "CREATE SCHEMA " + name_);
  }
  ~PostgresSchema() {
    try {
      postgres_admin(server_, "DROP SCHEMA " + name_ + " CASCADE");
    } catch (...) {
      // The server went away first; its data goes with it.
    }
  }
  PostgresSchema(const PostgresSchema&) = delete;
  PostgresSchema& operator=(const PostgresSchema&) = delete;

  const std::string& name() const { return name_; }

  /// The server's URL with this schema first on the search path.
  std::string url() const {
    return server_ + (server_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + name_;
  }

 private:
  std::string server_;
  std::string name_;
};

struct PostgresFixture {
  static constexpr bool kPersistent = true;

  Storage& storage() { return *storage_; }
  void reopen() {
    storage_.reset();
    storage_ = open_postgres(options_);
  }
  const PostgresOptions& options() const { return options_; }

 private:
  PostgresSchema schema_;
  PostgresOptions options_{.url = schema_.url(), .pool_size = 8};
  std::unique_ptr<Storage> storage_ = open_postgres(options_);
};

}  // namespace conductor::testing
