#pragma once

#include <conductor/model/workflow.hpp>

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "executor/known_messages.hpp"

namespace conductor::detail {

/// The decoded state of recently changed running workflows, each with the version of the stored state
/// it equals, so that a step neither loads nor decodes the workflow and its tasks again. A change
/// computed from an entry commits only if the stored version is still the entry's (the commit checks
/// it), so an entry made stale by another process costs one recomputation, never a lost update.
/// Bounded (least recently used entries go first); ended workflows are not kept. Thread-safe.
class WorkflowCache {
 public:
  explicit WorkflowCache(std::size_t capacity) : capacity_(capacity) {}

  struct Versioned {
    std::int64_t version = 0;
    Workflow state;
    KnownMessages messages;
  };
  /// A copy of the cached state, with its version.
  std::optional<Versioned> find(std::string_view workflow_id);
  /// The cached state itself, with its version, no longer cached.
  std::optional<Versioned> take(std::string_view workflow_id);
  /// Keeps `state` as the workflow at `version`, with what is known of its messages then, or forgets
  /// the workflow when it has ended.
  void put(const std::string& workflow_id, std::int64_t version, Workflow state, KnownMessages messages = {});
  /// The entry at `from` with `task` replaced becomes the state at `to` (a poll handed out one task,
  /// taking its message, and brought the sweep forward to `sweep_by` if set); an entry at another
  /// version is dropped.
  void advance(const std::string& workflow_id, std::int64_t from, std::int64_t to, const Task& task,
               std::optional<EpochMillis> sweep_by);
  /// Whether the entry at `version` knows that the workflow's sweep is due by `at` already.
  bool swept_by(const std::string& workflow_id, std::int64_t version, EpochMillis at) const;
  void erase(const std::string& workflow_id);
  std::size_t size() const;

 private:
  struct Entry {
    std::int64_t version = 0;
    Workflow state;
    KnownMessages messages;
    std::list<std::string>::iterator age;
  };

  void touch(Entry& entry);

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mutex_
  std::list<std::string> ages_;                     // most recent first; guarded by mutex_
};

}  // namespace conductor::detail
