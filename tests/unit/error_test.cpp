#include <conductor/clock.hpp>
#include <conductor/error.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace conductor;

TEST_CASE("error: validation message joins the violations", "[unit]") {
  const ValidationError one({FieldViolation{"taskDefs[0].name", "TaskDef name cannot be null or empty", ""}});
  CHECK(std::string(one.what()) == "taskDefs[0].name: TaskDef name cannot be null or empty");
  CHECK(one.code() == ErrorCode::kValidation);
  REQUIRE(one.violations().size() == 1);

  const ValidationError two({FieldViolation{"a", "bad", "1"}, FieldViolation{"b.c", "worse", ""}});
  CHECK(std::string(two.what()) == "a: bad, b.c: worse");
  CHECK(two.violations().at(0).invalid_value == "1");

  const ValidationError pathless({FieldViolation{"", "expected object", ""}});
  CHECK(std::string(pathless.what()) == "expected object");
}

TEST_CASE("error: every code has a name and every subclass its code", "[unit]") {
  CHECK(to_string(ErrorCode::kValidation) == "VALIDATION");
  CHECK(to_string(ErrorCode::kNotFound) == "NOT_FOUND");
  CHECK(to_string(ErrorCode::kConflict) == "CONFLICT");
  CHECK(to_string(ErrorCode::kUnavailable) == "UNAVAILABLE");
  CHECK(to_string(ErrorCode::kStorage) == "STORAGE");
  CHECK(to_string(ErrorCode::kInternal) == "INTERNAL");
  CHECK(NotFoundError("x").code() == ErrorCode::kNotFound);
  CHECK(ConflictError("x").code() == ErrorCode::kConflict);
  CHECK(UnavailableError("x").code() == ErrorCode::kUnavailable);
  CHECK(StorageError("x").code() == ErrorCode::kStorage);
}

TEST_CASE("clock: the system clock reads wall time in milliseconds", "[unit]") {
  const auto clock = system_clock();
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const EpochMillis now = clock->now_ms();
  const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  CHECK(now >= before);
  CHECK(now <= after);
}

TEST_CASE("clock: the manual clock moves only when told", "[unit]") {
  ManualClock clock(1000);
  CHECK(clock.now_ms() == 1000);
  clock.advance_ms(5);
  clock.advance_seconds(2);
  CHECK(clock.now_ms() == 3005);
  clock.set_ms(7);
  CHECK(clock.now_ms() == 7);
}
