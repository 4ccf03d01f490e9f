#include "util/uuid.hpp"

#include <atomic>
#include <cstdint>
#include <random>

#include <pthread.h>

namespace conductor::detail {

namespace {

// A forked child inherits every thread's generator state; without reseeding it would hand out the
// same ids as its parent.
std::atomic<unsigned> fork_generation{0};
const int kAtForkRegistered = pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1); });

std::mt19937_64& generator() {
  thread_local std::mt19937_64 rng;
  thread_local unsigned seeded_generation = ~0u;
  if (seeded_generation != fork_generation.load(std::memory_order_relaxed)) {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    rng.seed(seed);
    seeded_generation = fork_generation.load(std::memory_order_relaxed);
  }
  return rng;
}

}  // namespace

std::string new_uuid() {
  (void)kAtForkRegistered;
  auto& rng = generator();
  std::uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 1
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  int pos = 0;
  auto put = [&](std::uint64_t v) {
    for (int i = 15; i >= 0; --i) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
      out[pos++] = kHex[(v >> (i * 4)) & 0xf];
    }
  };
  put(hi);
  put(lo);
  return out;
}

}  // namespace conductor::detail
