#pragma once

#include <conductor/model.hpp>

namespace conductor::detail {

/// The search-index documents (summaries) of a workflow and of a task, as searches return them.
WorkflowSummary workflow_summary(const Workflow& wf);
TaskSummary task_summary(const Task& task);

}  // namespace conductor::detail
