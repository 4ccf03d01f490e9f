#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace conductor::detail {

/// Decoded rows by id, each with the stored text (and snapshot id) it stands for, so that a row read
/// again unchanged is copied rather than parsed: a workflow's task rows are read on every update of
/// it. Whoever writes a row puts what it wrote. Only an exact match of the text counts, so a row
/// changed by another connection or process, or rolled back, is simply a miss. Bounded: cleared
/// whenever it outgrows kMaxEntries. Thread-safe.
template <class T>
class RowCache {
 public:
  /// The value stored as `text` with `snapshot`, if cached.
  std::optional<T> find(std::string_view id, std::string_view text, std::optional<std::int64_t> snapshot) {
    std::shared_ptr<const Entry> entry;
    {
      std::lock_guard lock(mutex_);
      auto it = entries_.find(id);
      if (it == entries_.end()) return std::nullopt;
      entry = it->second;
    }
    if (entry->text != text || entry->snapshot != snapshot) return std::nullopt;
    return entry->value;
  }

  void put(std::string id, std::string text, std::optional<std::int64_t> snapshot, T value) {
    auto entry = std::make_shared<const Entry>(Entry{std::move(text), snapshot, std::move(value)});
    std::lock_guard lock(mutex_);
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_.insert_or_assign(std::move(id), std::move(entry));
  }

 private:
  // Enough for the rows of every workflow in flight at once under heavy load, small enough that the
  // rows of finished workflows cost a few megabytes at most.
  static constexpr std::size_t kMaxEntries = 2048;

  struct Entry {
    std::string text;
    std::optional<std::int64_t> snapshot;
    T value;
  };
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };

  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const Entry>, IdHash, std::equal_to<>> entries_;
};

}  // namespace conductor::detail
