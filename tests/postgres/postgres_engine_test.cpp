// The engine on PostgreSQL: two engines on one database, as two processes would be, whose changes
// conflict all the time. A change whose version check fails on the server (reported only at its
// commit, since writes are sent ahead of their answers) is computed again from fresh state.
#include <conductor/storage/postgres.hpp>

#include "postgres/postgres_fixture.hpp"
#include "scenario/two_engines.hpp"

using namespace conductor;

SCENARIO("postgres: threads of two engines completing the branches of the same workflows lose and repeat nothing",
         "[scenario]") {
  testing::PostgresSchema schema;
  testing::two_engines_complete_forks([&] { return open_postgres({.url = schema.url(), .pool_size = 4}); });
}
