// The storage contract suite, run on PostgreSQL.

#include "postgres/postgres_fixture.hpp"

#define STORAGE_CONTRACT_FIXTURES conductor::testing::PostgresFixture
#include "storage/storage_contract_test.cpp"
