#pragma once

#include <conductor/error.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// Helpers for asserting Conductor-style validation failures.
namespace conductor::test {

/// The violations of the ValidationError `call` throws; fails the test when it throws none.
template <class Call>
std::vector<FieldViolation> violations_of(Call&& call) {
  try {
    std::forward<Call>(call)();
  } catch (const ValidationError& e) {
    return e.violations();
  }
  FAIL("expected a ValidationError");
  return {};
}

inline bool has_violation(const std::vector<FieldViolation>& violations, std::string_view path,
                          std::string_view message) {
  for (const auto& v : violations) {
    if (v.path == path && v.message == message) return true;
  }
  return false;
}

inline std::string describe(const std::vector<FieldViolation>& violations) {
  std::string text;
  for (const auto& v : violations) text += "\n  " + v.path + ": " + v.message + " [" + v.invalid_value + "]";
  return text;
}

}  // namespace conductor::test

/// Checks that the violation (path, message) is among `violations`, listing them all on failure.
#define CHECK_VIOLATION(violations, path, message)                       \
  do {                                                                   \
    INFO("violations:" << ::conductor::test::describe(violations));      \
    CHECK(::conductor::test::has_violation(violations, path, message));  \
  } while (false)
