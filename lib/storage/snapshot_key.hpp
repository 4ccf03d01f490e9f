#pragma once

#include <cstdint>
#include <string_view>

namespace conductor::detail {

/// A new snapshot's id: FNV-1a of its JSON, so equal snapshots written by different connections or
/// processes meet in one row.
inline std::int64_t snapshot_key(std::string_view json) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : json) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return static_cast<std::int64_t>(hash);
}

}  // namespace conductor::detail
