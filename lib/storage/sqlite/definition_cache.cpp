#include "storage/sqlite/definition_cache.hpp"

namespace conductor::detail {

void DefinitionCache::adopt_version(std::int64_t version) {
  if (version != version_ || task_defs_.size() + workflow_defs_.size() >= kMaxEntries) {
    task_defs_.clear();
    workflow_defs_.clear();
    version_ = version;
  }
}

std::optional<std::optional<TaskDef>> DefinitionCache::task_def(std::int64_t version, std::string_view name) {
  std::lock_guard lock(mutex_);
  if (version != version_) return std::nullopt;
  auto it = task_defs_.find(name);
  if (it == task_defs_.end()) return std::nullopt;
  return it->second;
}

void DefinitionCache::put_task_def(std::int64_t version, std::string_view name, const std::optional<TaskDef>& def) {
  std::lock_guard lock(mutex_);
  adopt_version(version);
  task_defs_.insert_or_assign(std::string(name), def);
}

std::optional<std::optional<WorkflowDef>> DefinitionCache::workflow_def(std::int64_t version, std::string_view name,
                                                                        std::optional<int> def_version) {
  std::lock_guard lock(mutex_);
  if (version != version_) return std::nullopt;
  auto it = workflow_defs_.find(std::pair(std::string(name), def_version));
  if (it == workflow_defs_.end()) return std::nullopt;
  return it->second;
}

void DefinitionCache::put_workflow_def(std::int64_t version, std::string_view name, std::optional<int> def_version,
                                       const std::optional<WorkflowDef>& def) {
  std::lock_guard lock(mutex_);
  adopt_version(version);
  workflow_defs_.insert_or_assign(std::pair(std::string(name), def_version), def);
}

}  // namespace conductor::detail
