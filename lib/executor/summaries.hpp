#pragma once

#include <conductor/model.hpp>

namespace conductor::detail {

/// The search-index documents of a workflow and a task (semantics.md §9.4).
WorkflowSummary workflow_summary(const Workflow& wf);
TaskSummary task_summary(const Task& task);

}  // namespace conductor::detail
