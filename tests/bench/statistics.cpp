#include <algorithm>
#include <cmath>

#include "bench.hpp"

namespace conductor::bench {

void LatencyHistogram::add(double ms) {
  const double steps = ms > kMinMs ? std::log(ms / kMinMs) / std::log(kGrowth) : 0;
  ++counts_[std::min(static_cast<std::size_t>(steps), kBuckets - 1)];
  ++total_;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
}

double LatencyHistogram::percentile(double p) const {
  if (total_ == 0) return 0;
  // Nearest rank, reported as the middle of its bucket.
  const long rank = std::max(1L, std::lround(p * static_cast<double>(total_)));
  long seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return kMinMs * std::pow(kGrowth, static_cast<double>(i) + 0.5);
  }
  return kMinMs * std::pow(kGrowth, static_cast<double>(kBuckets));
}

}  // namespace conductor::bench
