#include <conductor/diagram.hpp>

#include "diagram/graphviz.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conductor::diagram {
namespace {

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + '"';
}

/// What a run did at one node of its definition: the attempts and iterations of its tasks.
struct NodeRun {
  const Task* latest = nullptr;  ///< the last task scheduled for the node
  int attempts = 0;              ///< retries of the latest iteration, plus one
  int iterations = 0;            ///< loop iterations that ran the node (0 outside a loop)
};

/// A loop iteration's task carries its node's reference name with `__<iteration>` appended.
std::string node_reference(const Task& task) {
  const std::string suffix = "__" + std::to_string(task.iteration);
  const std::string& ref = task.reference_task_name;
  if (task.iteration > 0 && ref.size() > suffix.size() && ref.ends_with(suffix))
    return ref.substr(0, ref.size() - suffix.size());
  return ref;
}

std::string fill_of(TaskStatus status) {
  switch (status) {
    case TaskStatus::kCompleted:
    case TaskStatus::kCompletedWithErrors:
      return "#c8e6c9";
    case TaskStatus::kFailed:
    case TaskStatus::kFailedWithTerminalError:
    case TaskStatus::kTimedOut:
      return "#ffcdd2";
    case TaskStatus::kInProgress:
      return "#bbdefb";
    case TaskStatus::kScheduled:
      return "#fff9c4";
    default:
      return "#e0e0e0";
  }
}

std::string shape_of(std::string_view type) {
  if (type == "FORK_JOIN" || type == "FORK_JOIN_DYNAMIC" || type == "FORK") return "invhouse";
  if (type == "JOIN" || type == "EXCLUSIVE_JOIN") return "house";
  if (type == "SWITCH" || type == "DECISION") return "diamond";
  if (type == "DO_WHILE") return "hexagon";
  if (type == "SUB_WORKFLOW" || type == "START_WORKFLOW") return "box3d";
  return "box";
}

/// Builds the DOT source: definition nodes in order, each connected from the exits of what came
/// before it. With a run, nodes and edges carry what the run did.
class DotBuilder {
 public:
  explicit DotBuilder(const Workflow* run) : run_(run) {
    if (!run_) return;
    for (const auto& task : run_->tasks) by_reference_[node_reference(task)].push_back(&task);
  }

  std::string build(const WorkflowDef& def) {
    out_ = fmt::format("digraph {} {{\n", quoted(def.name));
    out_ += fmt::format("  label={}; labelloc=t; fontname=\"Helvetica\"; fontsize=12;\n", quoted(title(def)));
    out_ += "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=10];\n";
    out_ += "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\"];\n";
    out_ += "  start [shape=circle, label=\"start\", fillcolor=\"#eeeeee\", width=0.5];\n";
    out_ += fmt::format("  end [shape=doublecircle, label=\"end\", fillcolor={}, width=0.4];\n",
                        quoted(run_ ? end_fill() : "#eeeeee"));
    auto exits = sequence(def.tasks, {{"start", "", true}});
    for (const auto& exit : exits) edge(exit, "end", run_ && is_terminal(run_->status));
    add_dynamic_forks();
    out_ += "}\n";
    return out_;
  }

 private:
  /// Where the flow leaves a node: the node, the edge's label, and whether the run went this way.
  struct Exit {
    std::string node;
    std::string label;
    bool taken;
  };

  std::string title(const WorkflowDef& def) const {
    if (!run_) return fmt::format("{} v{}", def.name, def.version);
    return fmt::format("{} v{} · {} · {}", def.name, def.version, run_->workflow_id, to_string(run_->status));
  }

  std::string end_fill() const {
    if (run_->status == WorkflowStatus::kCompleted) return "#c8e6c9";
    if (is_terminal(run_->status)) return "#ffcdd2";
    return "#eeeeee";
  }

  std::optional<NodeRun> run_of(const WorkflowTask& node) const {
    if (!run_) return std::nullopt;
    NodeRun result;
    auto found = by_reference_.find(node.task_reference_name);
    if (found == by_reference_.end()) return result;
    for (const Task* task : found->second) {
      if (!result.latest || task->seq > result.latest->seq) result.latest = task;
      result.iterations = std::max(result.iterations, task->iteration);
    }
    for (const Task* task : found->second) {
      if (task->iteration == result.latest->iteration) result.attempts = std::max(result.attempts, task->retry_count + 1);
    }
    return result;
  }

  std::string add_node(const WorkflowTask& node) {
    const std::string id = fmt::format("n{}", nodes_++);
    std::string label = node.task_reference_name;
    if (node.type != "SIMPLE" || node.name != node.task_reference_name) label += "\n" + (node.type == "SIMPLE" ? node.name : node.type);
    if ((node.type == "SUB_WORKFLOW") && node.sub_workflow_param && node.sub_workflow_param->name)
      label += "\n→ " + *node.sub_workflow_param->name;
    std::string attributes = fmt::format("shape={}", shape_of(node.type));
    const auto ran = run_of(node);
    executed_[id] = !run_ || ran->latest;
    if (ran) {
      if (ran->latest) {
        const Task& task = *ran->latest;
        label += fmt::format("\n{}", to_string(task.status));
        if (ran->attempts > 1) label += fmt::format(" · {} attempts", ran->attempts);
        if (node.type == "DO_WHILE" && task.iteration > 0) label += fmt::format(" · {} iterations", task.iteration);
        if (node.type != "DO_WHILE" && ran->iterations > 0) label += fmt::format(" · {} iterations", ran->iterations);
        attributes += fmt::format(", fillcolor={}", quoted(fill_of(task.status)));
        if (task.sub_workflow_id) link(attributes, *task.sub_workflow_id);
        if (node.type == "FORK_JOIN_DYNAMIC") dynamic_forks_.push_back({id, task.seq});
      } else {
        attributes += ", style=\"rounded,dashed\", fontcolor=\"#888888\"";
      }
    }
    out_ += fmt::format("  {} [{}, label={}];\n", id, attributes, quoted(label));
    return id;
  }

  static void link(std::string& attributes, std::string_view workflow_id) {
    attributes += fmt::format(", URL={}, target=\"_top\"", quoted(fmt::format("/diagram/run/{}.svg", workflow_id)));
  }

  void edge(const Exit& from, const std::string& to, bool target_reached) {
    std::string attributes;
    if (!from.label.empty()) attributes = "label=" + quoted(from.label);
    if (run_) {
      const bool taken = from.taken && target_reached;
      attributes += std::string(attributes.empty() ? "" : ", ") +
                    (taken ? "penwidth=2, color=\"#2e7d32\"" : "style=dashed, color=\"#aaaaaa\"");
    }
    out_ += fmt::format("  {} -> {}{};\n", from.node, to, attributes.empty() ? "" : " [" + attributes + "]");
  }

  /// Draws `tasks` in order after `entries`; returns the exits of the last one.
  std::vector<Exit> sequence(const std::vector<WorkflowTask>& tasks, std::vector<Exit> entries) {
    for (const auto& node : tasks) entries = step(node, entries);
    return entries;
  }

  std::vector<Exit> step(const WorkflowTask& node, const std::vector<Exit>& entries) {
    const std::string id = add_node(node);
    const bool ran = executed_[id];
    for (const auto& entry : entries) edge(entry, id, ran);
    if (node.type == "FORK_JOIN") {
      std::vector<Exit> exits;
      for (const auto& branch : node.fork_tasks) {
        auto branch_exits = sequence(branch, {{id, "", ran}});
        exits.insert(exits.end(), branch_exits.begin(), branch_exits.end());
      }
      if (node.fork_tasks.empty()) exits.push_back({id, "", ran});
      return exits;
    }
    if (node.type == "SWITCH" || node.type == "DECISION") {
      std::vector<Exit> exits;
      for (const auto& [value, branch] : node.decision_cases) {
        auto branch_exits = sequence(branch, {{id, value, ran}});
        exits.insert(exits.end(), branch_exits.begin(), branch_exits.end());
      }
      auto default_exits = sequence(node.default_case, {{id, "default", ran}});
      exits.insert(exits.end(), default_exits.begin(), default_exits.end());
      return exits;
    }
    if (node.type == "DO_WHILE") {
      for (auto exit : sequence(node.loop_over, {{id, "", ran}})) {
        exit.label = exit.label.empty() ? "next iteration" : exit.label + " / next iteration";
        out_ += fmt::format("  {} -> {} [label={}, style=dotted, constraint=false];\n", exit.node, id, quoted(exit.label));
      }
      return {{id, "done", ran}};
    }
    if (node.type == "TERMINATE") {
      out_ += fmt::format("  {} -> end [style=dotted, label=\"terminate\"];\n", id);
      return {};
    }
    return {{id, "", ran}};
  }

  /// Tasks of the run that no definition node names were forked dynamically: each hangs under the
  /// dynamic fork scheduled just before it.
  void add_dynamic_forks() {
    if (dynamic_forks_.empty()) return;
    std::map<std::string, bool> known;
    collect_references(run_->workflow_definition->tasks, known);
    int extra = 0;
    for (const auto& task : run_->tasks) {
      if (known.contains(node_reference(task))) continue;
      const DynamicFork* fork = nullptr;
      for (const auto& candidate : dynamic_forks_) {
        if (candidate.seq < task.seq && (!fork || candidate.seq > fork->seq)) fork = &candidate;
      }
      if (!fork) continue;
      std::string attributes = fmt::format("fillcolor={}", quoted(fill_of(task.status)));
      if (task.sub_workflow_id) link(attributes, *task.sub_workflow_id);
      const std::string label = fmt::format("{}\n{}\n{}", task.reference_task_name, task.task_type, to_string(task.status));
      out_ += fmt::format("  x{} [{}, label={}];\n", extra, attributes, quoted(label));
      out_ += fmt::format("  {} -> x{} [penwidth=2, color=\"#2e7d32\", label=\"dynamic\"];\n", fork->node, extra);
      ++extra;
    }
  }

  static void collect_references(const std::vector<WorkflowTask>& tasks, std::map<std::string, bool>& known) {
    for (const auto& node : tasks) {
      known[node.task_reference_name] = true;
      for (const auto& branch : node.fork_tasks) collect_references(branch, known);
      for (const auto& [value, branch] : node.decision_cases) collect_references(branch, known);
      collect_references(node.default_case, known);
      collect_references(node.loop_over, known);
    }
  }

  struct DynamicFork {
    std::string node;
    int seq;
  };

  const Workflow* run_;
  std::map<std::string, std::vector<const Task*>> by_reference_;
  std::map<std::string, bool> executed_;
  std::vector<DynamicFork> dynamic_forks_;
  std::string out_;
  int nodes_ = 0;
};

std::string render(std::string dot, Format format) {
  return format == Format::kDot ? dot : detail::render_svg(dot);
}

}  // namespace

std::string of_definition(const WorkflowDef& def, Format format) {
  return render(DotBuilder(nullptr).build(def), format);
}

std::string of_run(const Workflow& workflow, Format format) {
  return render(DotBuilder(&workflow).build(*workflow.workflow_definition), format);
}

}  // namespace conductor::diagram
