#pragma once

#include <conductor/model/task.hpp>
#include <conductor/model/workflow_def.hpp>

#include <string_view>
#include <vector>

namespace conductor::detail {

/// A task's reference name without its loop iteration suffix (`ref__3` → `ref` for a task of
/// iteration 3); other tasks' names as they are.
std::string_view base_ref(const Task& task);

/// The node with this reference name anywhere in the tree, or null.
const WorkflowTask* find_node(const WorkflowDef& def, std::string_view ref);
const WorkflowTask* find_node(const std::vector<WorkflowTask>& nodes, std::string_view ref);

/// Whether `node` or anything nested in it has this reference name.
bool contains_ref(const WorkflowTask& node, std::string_view ref);

/// Conductor's WorkflowDef.getNextTask: the node that follows `ref` (semantics.md §2.6), or null.
const WorkflowTask* next_node(const WorkflowDef& def, std::string_view ref);

/// Calls `f` on every node of the tree, depth first, parents before children. Works on const and
/// mutable trees alike.
template <class Nodes, class F>
void for_each_node(Nodes& nodes, F&& f) {
  for (auto& node : nodes) {
    f(node);
    for (auto& [name, branch] : node.decision_cases) for_each_node(branch, f);
    for_each_node(node.default_case, f);
    for (auto& branch : node.fork_tasks) for_each_node(branch, f);
    for_each_node(node.loop_over, f);
  }
}

}  // namespace conductor::detail
