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

std::shared_ptr<const WorkflowDef> DefinitionCache::snapshot(std::int64_t snapshot_id) {
  std::lock_guard lock(mutex_);
  auto it = snapshots_.find(snapshot_id);
  return it == snapshots_.end() ? nullptr : it->second;
}

std::optional<std::int64_t> DefinitionCache::snapshot_id_of(const WorkflowDef& def) {
  std::lock_guard lock(mutex_);
  // Few snapshots are cached and most differ in name or version, which the comparison checks first.
  for (const auto& [id, cached] : snapshots_) {
    if (cached->name == def.name && cached->version == def.version && *cached == def) return id;
  }
  return std::nullopt;
}

void DefinitionCache::put_snapshot(std::int64_t snapshot_id, std::shared_ptr<const WorkflowDef> def) {
  std::lock_guard lock(mutex_);
  if (snapshots_.size() >= kMaxEntries) snapshots_.clear();
  snapshots_.insert_or_assign(snapshot_id, std::move(def));
}

}  // namespace conductor::detail
