#pragma once

#include <conductor/model.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace conductor::detail {

/// What a snapshot is looked up by before values are compared: most cached snapshots differ in it.
inline std::string snapshot_lookup_key(const WorkflowDef& def) {
  return def.name + '\n' + std::to_string(def.version);
}
inline std::string snapshot_lookup_key(const WorkflowTask& node) {
  return node.task_reference_name + '\n' + node.name;
}

/// Parsed snapshots (a run's workflow definition, a task's node) by their row id, shared by every
/// transaction of one storage, so that loading a row parses no snapshot seen before and persisting
/// one recognises a stored snapshot by comparing values instead of encoding it. Snapshots never
/// change once written. Bounded: cleared whenever it outgrows kMaxEntries. Thread-safe.
template <class T>
class SnapshotCache {
 public:
  std::shared_ptr<const T> get(std::int64_t id) {
    std::lock_guard lock(mutex_);
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
  }

  /// The id of a cached snapshot equal to `value`, if any.
  std::optional<std::int64_t> id_of(const T& value) {
    const std::string key = snapshot_lookup_key(value);
    std::lock_guard lock(mutex_);
    auto [begin, end] = by_key_.equal_range(key);
    for (auto it = begin; it != end; ++it) {
      if (*by_id_.at(it->second) == value) return it->second;
    }
    return std::nullopt;
  }

  void put(std::int64_t id, std::shared_ptr<const T> value) {
    std::string key = snapshot_lookup_key(*value);
    std::lock_guard lock(mutex_);
    if (by_id_.size() >= kMaxEntries) {
      by_id_.clear();
      by_key_.clear();
    }
    if (by_id_.insert_or_assign(id, std::move(value)).second) by_key_.emplace(std::move(key), id);
  }

 private:
  static constexpr std::size_t kMaxEntries = 4096;

  std::mutex mutex_;
  std::map<std::int64_t, std::shared_ptr<const T>> by_id_;
  std::unordered_multimap<std::string, std::int64_t> by_key_;
};

}  // namespace conductor::detail
