// The poll data scenarios, run on PostgreSQL.
#include <conductor/storage/postgres.hpp>

#include "postgres/postgres_fixture.hpp"

namespace {

struct PostgresBackend {
  conductor::testing::PostgresSchema schema;
  std::unique_ptr<conductor::Storage> open() { return conductor::open_postgres({.url = schema.url(), .pool_size = 4}); }
};

}  // namespace

#define POLL_DATA_BACKEND PostgresBackend
#include "scenario/poll_data_test.cpp"
