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
/// change and are never deleted once committed, so a snapshot known to be committed needs no lookup
/// before a row refers to it; one cached from a transaction that may still roll back does.
/// Bounded: cleared whenever it outgrows kMaxEntries. Thread-safe.
template <class T>
class SnapshotCache {
 public:
  struct Found {
    std::int64_t id = 0;
    bool committed = false;
  };

  /// The cached snapshot `id`; empty when not cached.
  Shared<T> get(std::int64_t id) {
    std::lock_guard lock(mutex_);
    auto it = by_id_.find(id);
    return it == by_id_.end() ? Shared<T>() : it->second.value;
  }

  /// The id of a cached snapshot equal to `value`, if any. Values loaded or stored through this
  /// cache share its snapshot, so they are recognised without comparing them; a cached snapshot
  /// found equal by comparing is replaced by `value`, so the copies of `value` (a running workflow's
  /// definition, a task's node, written again at each step) are recognised at once next time.
  std::optional<Found> id_of(const Shared<T>& value) {
    const std::string key = snapshot_lookup_key(*value);
    std::lock_guard lock(mutex_);
    auto [begin, end] = by_key_.equal_range(key);
    for (auto it = begin; it != end; ++it) {
      if (by_id_.at(it->second).value.same_as(value)) return found(it->second);
    }
    for (auto it = begin; it != end; ++it) {
      Entry& entry = by_id_.at(it->second);
      if (*entry.value == *value) {
        entry.value = value;
        return found(it->second);
      }
    }
    return std::nullopt;
  }

  void put(std::int64_t id, Shared<T> value) {
    std::string key = snapshot_lookup_key(*value);
    std::lock_guard lock(mutex_);
    if (by_id_.size() >= kMaxEntries) {
      by_id_.clear();
      by_key_.clear();
    }
    auto [it, inserted] = by_id_.try_emplace(id);
    it->second.value = std::move(value);
    if (inserted) by_key_.emplace(std::move(key), id);
  }

  /// The snapshot `id` is in a committed transaction (a no-op when it left the cache meanwhile).
  void committed(std::int64_t id) {
    std::lock_guard lock(mutex_);
    if (auto it = by_id_.find(id); it != by_id_.end()) it->second.committed = true;
  }

 private:
  static constexpr std::size_t kMaxEntries = 4096;

  struct Entry {
    Shared<T> value;
    bool committed = false;
  };

  Found found(std::int64_t id) const { return {id, by_id_.at(id).committed}; }

  std::mutex mutex_;
  std::map<std::int64_t, Entry> by_id_;
  std::unordered_multimap<std::string, std::int64_t> by_key_;
};

}  // namespace conductor::detail
