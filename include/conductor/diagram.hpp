#pragma once

#include <conductor/export.hpp>
#include <conductor/model/workflow.hpp>
#include <conductor/model/workflow_def.hpp>

#include <string>

/// Pictures of workflows: a definition's graph, or a run drawn over it. Built with
/// CONDUCTOR_WITH_DIAGRAMS (target conductor::diagram; Graphviz lays the graphs out in-process).
/// Thread-safe.
namespace conductor::diagram {

enum class Format {
  kDot,  ///< Graphviz DOT source, before layout
  kSvg,  ///< laid out by Graphviz's dot and rendered as a standalone SVG document
};

/// Every node of the definition: tasks in order, FORK_JOIN branches, SWITCH cases (labelled with
/// their values) and default, DO_WHILE bodies with the edge back to the loop, sub-workflows by name.
CONDUCTOR_EXPORT std::string of_definition(const WorkflowDef& def, Format format);

/// A run (a Workflow read with its tasks) over its definition: each node filled by its task's
/// status, with its attempts when retried and its iterations inside a loop; the edges it took drawn
/// solid and the others dashed; dynamically forked tasks added under their fork; a SUB_WORKFLOW node
/// linked to `/diagram/run/<child id>.svg`.
CONDUCTOR_EXPORT std::string of_run(const Workflow& workflow, Format format);

}  // namespace conductor::diagram
