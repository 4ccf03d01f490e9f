#include "util/uuid.hpp"

#include <boost/uuid/detail/md5.hpp>

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

// Lowercase hyphenated form with the version and RFC 4122 variant bits set.
std::string format_uuid(std::uint64_t hi, std::uint64_t lo, unsigned version) {
  hi = (hi & 0xffffffffffff0fffULL) | (std::uint64_t{version} << 12);
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
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

}  // namespace

std::string new_uuid() {
  (void)kAtForkRegistered;
  auto& rng = generator();
  std::uint64_t hi = rng(), lo = rng();
  return format_uuid(hi, lo, 4);
}

std::string name_uuid(std::string_view name) {
  boost::uuids::detail::md5 md5;
  md5.process_bytes(name.data(), name.size());
  boost::uuids::detail::md5::digest_type digest;
  md5.get_digest(digest);
  // Each digest word holds four MD5 bytes, the first one most significant.
  std::uint64_t hi = (std::uint64_t{digest[0]} << 32) | digest[1];
  std::uint64_t lo = (std::uint64_t{digest[2]} << 32) | digest[3];
  return format_uuid(hi, lo, 3);
}

}  // namespace conductor::detail
