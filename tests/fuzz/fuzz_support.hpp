#pragma once

#include <conductor/error.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstddef>
#include <string_view>

/// What every fuzz target shares: the input as text, and the failure the fuzzer records as a crash.
namespace conductor::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// A property the code under test broke: abort, so libFuzzer saves the input.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz property broken: %s\n", what);
  std::abort();
}

/// Runs `call`, which may reject its input with a ValidationError and nothing else: any other
/// exception escapes and libFuzzer reports it. Returns false when the input was rejected.
template <class Call>
bool accepts(Call&& call) {
  try {
    call();
    return true;
  } catch (const ValidationError&) {
    return false;
  }
}

}  // namespace conductor::fuzz
