// Codecs of request bodies, search summaries, bulk answers and event handlers.
#include "json/fields.hpp"

namespace conductor {
namespace detail {

template <ModelOf<StartWorkflowRequest> S, class V>
void fields(S& s, V& v) {
  v("name", s.name);
  v("version", s.version);
  v("correlationId", s.correlation_id);
  v("input", s.input);
  v("taskToDomain", s.task_to_domain);
  v("workflowDef", s.workflow_def);
  v("externalInputPayloadStoragePath", s.external_input_payload_storage_path);
  v("priority", s.priority);
  v("createdBy", s.created_by);
  v("idempotencyKey", s.idempotency_key);
  v("idempotencyStrategy", s.idempotency_strategy);
}

template <ModelOf<RerunWorkflowRequest> S, class V>
void fields(S& s, V& v) {
  v("reRunFromWorkflowId", s.re_run_from_workflow_id);
  v("workflowInput", s.workflow_input);
  v("reRunFromTaskId", s.re_run_from_task_id);
  v("taskInput", s.task_input);
  v("correlationId", s.correlation_id);
}

template <ModelOf<SkipTaskRequest> S, class V>
void fields(S& s, V& v) {
  v("taskInput", s.task_input);
  v("taskOutput", s.task_output);
}

template <ModelOf<WorkflowSummary> S, class V>
void fields(S& s, V& v) {
  v("workflowType", s.workflow_type);
  v("version", s.version);
  v("workflowId", s.workflow_id);
  v("correlationId", s.correlation_id);
  v("startTime", iso_time(s.start_time));
  v("updateTime", iso_time(s.update_time));
  v("endTime", iso_time(s.end_time, /*omit_zero=*/true));
  v("status", s.status);
  v("input", s.input);
  v("output", s.output);
  v.derived("inputSize", [&] { return s.input.size(); });
  v.derived("outputSize", [&] { return s.output.size(); });
  v("reasonForIncompletion", s.reason_for_incompletion);
  v("executionTime", s.execution_time);
  v("event", s.event);
  v("failedReferenceTaskNames", s.failed_reference_task_names);
  v("failedTaskNames", s.failed_task_names);
  v("externalInputPayloadStoragePath", s.external_input_payload_storage_path);
  v("externalOutputPayloadStoragePath", s.external_output_payload_storage_path);
  v("priority", s.priority);
  v("createdBy", s.created_by);
  v("taskToDomain", s.task_to_domain);
  v("idempotencyKey", s.idempotency_key);
  v("parentWorkflowId", s.parent_workflow_id);
  v("classifier", s.classifier);
}

template <ModelOf<TaskSummary> S, class V>
void fields(S& s, V& v) {
  v("workflowId", s.workflow_id);
  v("workflowType", s.workflow_type);
  v("correlationId", s.correlation_id);
  v("scheduledTime", iso_time(s.scheduled_time));
  v("startTime", iso_time(s.start_time));
  v("updateTime", iso_time(s.update_time));
  v("endTime", iso_time(s.end_time));
  v("status", s.status);
  v("reasonForIncompletion", s.reason_for_incompletion);
  v("executionTime", s.execution_time);
  v("queueWaitTime", s.queue_wait_time);
  v("taskDefName", s.task_def_name);
  v("taskType", s.task_type);
  v("input", s.input);
  v("output", s.output);
  v("taskId", s.task_id);
  v("externalInputPayloadStoragePath", s.external_input_payload_storage_path);
  v("externalOutputPayloadStoragePath", s.external_output_payload_storage_path);
  v("workflowPriority", s.workflow_priority);
  v("domain", s.domain);
}

template <class T>
inline constexpr bool kIsSearchResult = false;
template <class T>
inline constexpr bool kIsSearchResult<SearchResult<T>> = true;

template <class S, class V>
  requires kIsSearchResult<std::remove_const_t<S>>
void fields(S& s, V& v) {
  v("totalHits", s.total_hits);
  v("results", s.results);
}

template <ModelOf<BulkResponse> S, class V>
void fields(S& s, V& v) {
  v("bulkSuccessfulResults", s.bulk_successful_results);
  v("bulkErrorResults", s.bulk_error_results);
}

template <ModelOf<EventStartWorkflow> S, class V>
void fields(S& s, V& v) {
  v("name", s.name);
  v("version", s.version);
  v("correlationId", s.correlation_id);
  v("input", s.input);
  v("taskToDomain", s.task_to_domain);
}

template <ModelOf<EventTaskDetails> S, class V>
void fields(S& s, V& v) {
  v("workflowId", s.workflow_id);
  v("taskRefName", s.task_ref_name);
  v("output", s.output);
  v("taskId", s.task_id);
  v("reasonForIncompletion", s.reason_for_incompletion);
}

template <ModelOf<EventTerminateWorkflow> S, class V>
void fields(S& s, V& v) {
  v("workflowId", s.workflow_id);
  v("terminationReason", s.termination_reason);
}

template <ModelOf<EventUpdateWorkflowVariables> S, class V>
void fields(S& s, V& v) {
  v("workflowId", s.workflow_id);
  v("variables", s.variables);
  v("appendArray", s.append_array);
}

template <ModelOf<EventAction> S, class V>
void fields(S& s, V& v) {
  v("action", s.action);
  v("start_workflow", s.start_workflow);
  v("complete_task", s.complete_task);
  v("fail_task", s.fail_task);
  v("terminate_workflow", s.terminate_workflow);
  v("update_workflow_variables", s.update_workflow_variables);
  v("start_agent", s.start_agent);
  v("expandInlineJSON", s.expand_inline_json);
}

template <ModelOf<EventHandler> S, class V>
void fields(S& s, V& v) {
  v("name", s.name);
  v("event", s.event);
  v("condition", s.condition);
  v("evaluatorType", s.evaluator_type);
  v("actions", s.actions);
  v("active", s.active);
}

}  // namespace detail

CONDUCTOR_DEFINE_CODEC(StartWorkflowRequest)
CONDUCTOR_DEFINE_CODEC(RerunWorkflowRequest)
CONDUCTOR_DEFINE_CODEC(SkipTaskRequest)
CONDUCTOR_DEFINE_CODEC(WorkflowSummary)
CONDUCTOR_DEFINE_CODEC(TaskSummary)
CONDUCTOR_DEFINE_CODEC(SearchResult<WorkflowSummary>)
CONDUCTOR_DEFINE_CODEC(SearchResult<TaskSummary>)
CONDUCTOR_DEFINE_CODEC(SearchResult<Workflow>)
CONDUCTOR_DEFINE_CODEC(SearchResult<Task>)
CONDUCTOR_DEFINE_CODEC(BulkResponse)
CONDUCTOR_DEFINE_CODEC(EventHandler)
CONDUCTOR_DEFINE_CODEC(EventAction)

}  // namespace conductor
