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
/// changed by another connection or process, or rolled back, is simply a miss. Bounded by two
/// generations: when the current one is full it becomes the previous one and the oldest is dropped,
/// so what is in use stays (a hit in the previous generation moves to the current). Thread-safe.
template <class T>
class RowCache {
 public:
  /// The value stored as `text` with `snapshot`, if cached.
  std::optional<T> find(std::string_view id, std::string_view text, std::optional<std::int64_t> snapshot) {
    std::shared_ptr<const Entry> entry;
    {
      std::lock_guard lock(mutex_);
      if (auto it = current_.find(id); it != current_.end()) {
        entry = it->second;
      } else if (auto old = previous_.find(id); old != previous_.end()) {
        entry = old->second;
        insert(std::string(id), entry);
      } else {
        return std::nullopt;
      }
    }
    if (entry->text != text || entry->snapshot != snapshot) return std::nullopt;
    return entry->value;
  }

  void put(std::string id, std::string text, std::optional<std::int64_t> snapshot, T value) {
    auto entry = std::make_shared<const Entry>(Entry{std::move(text), snapshot, std::move(value)});
    std::lock_guard lock(mutex_);
    insert(std::move(id), std::move(entry));
  }

 private:
  // A generation holds the rows of every workflow in flight at once under heavy load; two of them
  // are a few megabytes.
  static constexpr std::size_t kGeneration = 512;

  struct Entry {
    std::string text;
    std::optional<std::int64_t> snapshot;
    T value;
  };
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };
  using Map = std::unordered_map<std::string, std::shared_ptr<const Entry>, IdHash, std::equal_to<>>;

  void insert(std::string id, std::shared_ptr<const Entry> entry) {
    if (current_.size() >= kGeneration) {
      previous_ = std::move(current_);
      current_.clear();
    }
    current_.insert_or_assign(std::move(id), std::move(entry));
  }

  std::mutex mutex_;
  Map current_;
  Map previous_;
};

}  // namespace conductor::detail
