#include "storage/summaries.hpp"

#include <conductor/codec.hpp>

#include <boost/json/serialize.hpp>

namespace conductor::detail {
namespace {

/// A payload's text in a summary: empty when the payload is kept outside its row (a stored row
/// read below the payload storage holds only the path), as the summaries of such payloads are.
std::string payload_text(const JsonObject& payload, const std::optional<std::string>& path) {
  if (path && payload.empty()) return {};
  return boost::json::serialize(payload);
}

}  // namespace

WorkflowSummary workflow_summary(const Workflow& wf) {
  WorkflowSummary s;
  s.workflow_type = wf.workflow_name();
  s.version = wf.workflow_version();
  s.workflow_id = wf.workflow_id;
  s.correlation_id = wf.correlation_id;
  s.start_time = wf.create_time;
  s.update_time = wf.update_time;
  s.end_time = wf.end_time;
  s.status = wf.status;
  s.input = payload_text(wf.input, wf.external_input_payload_storage_path);
  s.output = payload_text(wf.output, wf.external_output_payload_storage_path);
  s.reason_for_incompletion = wf.reason_for_incompletion;
  s.execution_time = wf.end_time > 0 ? wf.end_time - wf.create_time : 0;
  s.event = wf.event;
  for (const auto& ref : wf.failed_reference_task_names) {
    if (!s.failed_reference_task_names.empty()) s.failed_reference_task_names += ",";
    s.failed_reference_task_names += ref;
  }
  s.failed_task_names = wf.failed_task_names;
  s.external_input_payload_storage_path = wf.external_input_payload_storage_path;
  s.external_output_payload_storage_path = wf.external_output_payload_storage_path;
  s.priority = wf.priority;
  s.created_by = wf.created_by;
  s.task_to_domain = wf.task_to_domain;
  s.idempotency_key = wf.idempotency_key;
  s.parent_workflow_id = wf.parent_workflow_id.value_or("");
  s.classifier = workflow_classifier(wf);
  return s;
}

std::string workflow_classifier(const Workflow& wf) {
  if (const auto* classifier = wf.workflow_definition->metadata.if_contains("classifier");
      classifier && classifier->is_string())
    return std::string(classifier->as_string());
  return WorkflowSummary{}.classifier;
}

TaskSummary task_summary(const Task& task) {
  TaskSummary s;
  s.workflow_id = task.workflow_instance_id;
  s.workflow_type = task.workflow_type;
  s.correlation_id = task.correlation_id;
  s.scheduled_time = task.scheduled_time;
  s.start_time = task.start_time;
  s.update_time = task.update_time;
  s.end_time = task.end_time;
  s.status = task.status;
  s.reason_for_incompletion = task.reason_for_incompletion;
  s.execution_time = task.end_time > 0 && task.start_time > 0 ? task.end_time - task.start_time : 0;
  s.queue_wait_time = task.start_time > 0 && task.scheduled_time > 0 ? task.start_time - task.scheduled_time : 0;
  s.task_def_name = task.task_def_name.empty() ? task.task_type : task.task_def_name;
  s.task_type = task.task_type;
  s.input = payload_text(task.input_data, task.external_input_payload_storage_path);
  s.output = payload_text(task.output_data, task.external_output_payload_storage_path);
  s.task_id = task.task_id;
  s.external_input_payload_storage_path = task.external_input_payload_storage_path;
  s.external_output_payload_storage_path = task.external_output_payload_storage_path;
  s.workflow_priority = task.workflow_priority;
  s.domain = task.domain;
  return s;
}

}  // namespace conductor::detail
