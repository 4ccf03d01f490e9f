#pragma once

#include <conductor/model.hpp>

#include <string>

namespace conductor::detail {

/// The search-index documents (summaries) of a workflow and of a task, as searches return them.
WorkflowSummary workflow_summary(const Workflow& wf);
/// The summary's classifier: the definition's metadata `classifier`, else "workflow".
std::string workflow_classifier(const Workflow& wf);
TaskSummary task_summary(const Task& task);

}  // namespace conductor::detail
