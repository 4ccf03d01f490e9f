#include "util/date_time.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

using namespace conductor;
using detail::parse_date_time_ms;
using detail::parse_duration_seconds;

TEST_CASE("date_time: WAIT durations in Conductor's format", "[unit]") {
  CHECK(parse_duration_seconds("2d") == 2 * 86400);
  CHECK(parse_duration_seconds("3 hours") == 3 * 3600);
  CHECK(parse_duration_seconds("1h 30m") == 5400);
  CHECK(parse_duration_seconds("45s") == 45);
  CHECK(parse_duration_seconds("10 mins") == 600);
  CHECK(parse_duration_seconds(" 2 days 3hrs 10 Minutes 5 SECS ") == 2 * 86400 + 3 * 3600 + 600 + 5);
  CHECK(parse_duration_seconds("1d2h") == 86400 + 7200);
  CHECK(parse_duration_seconds("") == 0);
}

TEST_CASE("date_time: malformed durations are rejected", "[unit]") {
  for (std::string bad : {"5", "soon", "1m 2h", "1d 1d", "1ms", "1 week", "h", "99999999999s", "-1s", "1.5h"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_duration_seconds(bad).has_value());
  }
}

TEST_CASE("date_time: WAIT until with an explicit zone", "[unit]") {
  constexpr EpochMillis k20300102_1030_utc = 1893580200000;
  CHECK(parse_date_time_ms("2030-01-02 10:30 UTC") == k20300102_1030_utc);
  CHECK(parse_date_time_ms("2030-01-02 10:30 GMT") == k20300102_1030_utc);
  CHECK(parse_date_time_ms("2030-01-02 12:30 GMT+02:00") == k20300102_1030_utc);
  CHECK(parse_date_time_ms("2030-01-02 16:00 +0530") == k20300102_1030_utc);
  CHECK(parse_date_time_ms("2030-01-02 05:30 -0500") == k20300102_1030_utc);
}

TEST_CASE("date_time: out-of-range fields roll over like Java's lenient parser", "[unit]") {
  CHECK(parse_date_time_ms("2029-13-02 10:30 UTC") == parse_date_time_ms("2030-01-02 10:30 UTC"));
  CHECK(parse_date_time_ms("2030-01-01 34:30 UTC") == parse_date_time_ms("2030-01-02 10:30 UTC"));
}

TEST_CASE("date_time: a time without zone is local, a date alone is local midnight", "[unit]") {
  auto midnight = parse_date_time_ms("2030-01-02");
  REQUIRE(midnight.has_value());
  CHECK(parse_date_time_ms("2030-01-02 00:00") == midnight);
  auto utc_midnight = parse_date_time_ms("2030-01-02 00:00 UTC");
  // Whatever the machine's zone, it is within a day of UTC.
  CHECK(std::abs(*midnight - *utc_midnight) <= 26LL * 3600 * 1000);
}

TEST_CASE("date_time: malformed dates are rejected", "[unit]") {
  for (std::string bad : {"next tuesday", "2030/01/02", "2030-01-02T10:30", "2030-01-02 10", "2030-01-02 10:30 ",
                          " 2030-01-02", "2030-01-02 10:30 Mars", "2030-01-02 10:30 +05", "2030-01"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_date_time_ms(bad).has_value());
  }
}

TEST_CASE("date_time: a date too far out for epoch milliseconds is rejected, not wrapped", "[unit]") {
  // Years up to 2^31 - 1 parse as numbers; in milliseconds they pass what an int64 holds.
  CHECK_FALSE(parse_date_time_ms("2147483647-12-31 23:59 UTC").has_value());
  CHECK_FALSE(parse_date_time_ms("2147483647-01-01").has_value());
  CHECK(parse_date_time_ms("200000-01-01 00:00 UTC").has_value());
}
