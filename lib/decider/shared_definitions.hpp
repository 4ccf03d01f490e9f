#pragma once

#include <conductor/model/shared.hpp>
#include <conductor/model/workflow_def.hpp>

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace conductor::detail {

/// The workflow definitions that runs start from, each held once as a shared value with its nodes:
/// the runs started from one definition share it, and the tasks made from one of its nodes share
/// that node. Copies of runs and tasks then copy no definition, and storage recognises a stored
/// snapshot by its identity instead of comparing it. Bounded (forgets everything when full; runs keep
/// what they hold). Thread-safe.
class SharedDefinitions {
 public:
  /// `definition`, or the equal one already shared under its name and version.
  Shared<WorkflowDef> share(WorkflowDef definition);
  /// `node` as a shared value: the one shared for it when it is a node of a definition shared here
  /// (the very node, not an equal one), else a copy of its own.
  Shared<WorkflowTask> node(const Shared<WorkflowDef>& definition, const WorkflowTask& node);

 private:
  static constexpr std::size_t kMaxDefinitions = 256;

  struct Entry {
    Shared<WorkflowDef> definition;
    /// Every node of the definition's tree by address, shared once a task is made from it.
    std::unordered_map<const WorkflowTask*, Shared<WorkflowTask>> nodes;
  };

  std::mutex mutex_;
  std::unordered_map<std::string, const WorkflowDef*> by_name_;  // "name\nversion"; guarded by mutex_
  std::unordered_map<const WorkflowDef*, Entry> entries_;         // guarded by mutex_
};

}  // namespace conductor::detail
