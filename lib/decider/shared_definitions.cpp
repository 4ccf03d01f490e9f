#include "decider/shared_definitions.hpp"

#include "decider/navigation.hpp"

namespace conductor::detail {

Shared<WorkflowDef> SharedDefinitions::share(WorkflowDef definition) {
  std::string key = definition.name + '\n' + std::to_string(definition.version);
  std::lock_guard lock(mutex_);
  auto named = by_name_.find(key);
  if (named != by_name_.end()) {
    const Entry& known = entries_.at(named->second);
    if (*known.definition == definition) return known.definition;
    entries_.erase(named->second);
    by_name_.erase(named);
  }
  if (entries_.size() >= kMaxDefinitions) {
    entries_.clear();
    by_name_.clear();
  }
  Shared<WorkflowDef> shared(std::move(definition));
  Entry& entry = entries_[&*shared];
  entry.definition = shared;
  for_each_node(shared->tasks, [&](const WorkflowTask& node) { entry.nodes.try_emplace(&node); });
  by_name_.emplace(std::move(key), &*shared);
  return shared;
}

Shared<WorkflowTask> SharedDefinitions::node(const Shared<WorkflowDef>& definition, const WorkflowTask& node) {
  std::lock_guard lock(mutex_);
  // An entry holds its definition, so no other definition or node can be at these addresses.
  auto entry = entries_.find(&*definition);
  if (entry != entries_.end()) {
    auto known = entry->second.nodes.find(&node);
    if (known != entry->second.nodes.end()) {
      if (!known->second) known->second = node;
      return known->second;
    }
  }
  return node;
}

}  // namespace conductor::detail
