#pragma once

#include <conductor/model.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace conductor::detail {

/// Parsed definitions shared by every transaction of one storage, so the hot path (starting a
/// workflow, admitting a polled task, loading a workflow) decodes no definition JSON it has seen.
/// Bounded: cleared whenever it outgrows kMaxEntries. Thread-safe.
class DefinitionCache {
 public:
  /// A registered definition as read at one metadata version (a random number that triggers change
  /// on every write to a definition table, so a version is never reused, even after a rollback).
  /// Caches absence too.
  std::optional<std::optional<TaskDef>> task_def(std::int64_t version, std::string_view name);
  void put_task_def(std::int64_t version, std::string_view name, const std::optional<TaskDef>& def);
  std::optional<std::optional<WorkflowDef>> workflow_def(std::int64_t version, std::string_view name,
                                                         std::optional<int> def_version);
  void put_workflow_def(std::int64_t version, std::string_view name, std::optional<int> def_version,
                        const std::optional<WorkflowDef>& def);

 private:
  static constexpr std::size_t kMaxEntries = 512;

  /// Drops registry entries of another metadata version; keeps at most kMaxEntries.
  void adopt_version(std::int64_t version);

  std::mutex mutex_;
  std::int64_t version_ = 0;
  std::map<std::string, std::optional<TaskDef>, std::less<>> task_defs_;
  std::map<std::pair<std::string, std::optional<int>>, std::optional<WorkflowDef>, std::less<>> workflow_defs_;
};

}  // namespace conductor::detail
