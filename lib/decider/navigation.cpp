#include "decider/navigation.hpp"

#include <algorithm>

namespace conductor::detail {

std::string_view base_ref(const Task& task) {
  std::string_view ref = task.reference_task_name;
  // Only a loop iteration's task carries the suffix; other names may hold `__` of their own
  // (`__fork_1`, as SDKs name their nodes), and so may a body task's name before its suffix.
  if (task.iteration <= 0) return ref;
  auto pos = ref.rfind("__");
  if (pos == std::string_view::npos || pos + 2 == ref.size()) return ref;
  auto digits = ref.substr(pos + 2);
  bool numeric = std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  return numeric ? ref.substr(0, pos) : ref;
}

const WorkflowTask* find_node(const std::vector<WorkflowTask>& nodes, std::string_view ref) {
  const WorkflowTask* found = nullptr;
  for (const auto& node : nodes) {
    if (node.task_reference_name == ref) return &node;
    for (const auto& [name, branch] : node.decision_cases)
      if ((found = find_node(branch, ref))) return found;
    if ((found = find_node(node.default_case, ref))) return found;
    for (const auto& branch : node.fork_tasks)
      if ((found = find_node(branch, ref))) return found;
    if ((found = find_node(node.loop_over, ref))) return found;
  }
  return nullptr;
}

const WorkflowTask* find_node(const WorkflowDef& def, std::string_view ref) { return find_node(def.tasks, ref); }

bool contains_ref(const WorkflowTask& node, std::string_view ref) {
  if (node.task_reference_name == ref) return true;
  for (const auto& [name, branch] : node.decision_cases)
    if (find_node(branch, ref)) return true;
  for (const auto& branch : node.fork_tasks)
    if (find_node(branch, ref)) return true;
  return find_node(node.default_case, ref) || find_node(node.loop_over, ref);
}

namespace {

const WorkflowTask* next_in(const WorkflowTask& node, std::string_view ref, const WorkflowTask* parent);

// Walks one child list of `owner` and stops at `ref` or at the element containing it. Returns the
// element after the stopping point or a deeper answer; `found_self` tells that `ref` itself stopped it.
const WorkflowTask* walk_list(const std::vector<WorkflowTask>& list, std::string_view ref, const WorkflowTask& owner,
                              bool& found_self) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& element = list[i];
    const WorkflowTask* after = i + 1 < list.size() ? &list[i + 1] : nullptr;
    if (element.task_reference_name == ref) {
      found_self = true;
      return after;
    }
    if (auto* deeper = next_in(element, ref, &owner)) return deeper;
    if (contains_ref(element, ref)) return after;
  }
  return nullptr;
}

const WorkflowTask* next_in(const WorkflowTask& node, std::string_view ref, const WorkflowTask* parent) {
  bool found_self = false;
  if (node.type == "DO_WHILE") {
    if (auto* n = walk_list(node.loop_over, ref, node, found_self)) return n;
    // The end of a loop body leads back to the loop itself, which already exists.
    return node.task_reference_name != ref && contains_ref(node, ref) ? &node : nullptr;
  }
  if (node.type == "SWITCH" || node.type == "DECISION") {
    for (const auto& [name, branch] : node.decision_cases)
      if (auto* n = walk_list(branch, ref, node, found_self)) return n;
    return walk_list(node.default_case, ref, node, found_self);
  }
  if (node.type == "FORK_JOIN") {
    for (const auto& branch : node.fork_tasks) {
      found_self = false;
      if (auto* n = walk_list(branch, ref, node, found_self)) return n;
      if (found_self && parent != nullptr) return next_in(*parent, node.task_reference_name, parent);
    }
  }
  return nullptr;
}

}  // namespace

const WorkflowTask* next_node(const WorkflowDef& def, std::string_view ref) {
  if (auto* self = find_node(def, ref); self && self->type == "TERMINATE") return nullptr;
  const auto& top = def.tasks;
  for (std::size_t i = 0; i < top.size(); ++i) {
    const auto& node = top[i];
    const WorkflowTask* after = i + 1 < top.size() ? &top[i + 1] : nullptr;
    if (node.task_reference_name == ref) return after;
    if (auto* n = next_in(node, ref, nullptr)) return n;
    if (contains_ref(node, ref)) return node.type == "DO_WHILE" ? nullptr : after;
  }
  return nullptr;
}

}  // namespace conductor::detail
