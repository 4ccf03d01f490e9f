// Codecs of the execution models: workflows, tasks and what workers send about them.
#include "json/fields.hpp"
#include "json/storage_rows.hpp"
#include "util/utf8.hpp"

#include <conductor/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <string>
#include <vector>

namespace conductor {
namespace detail {
namespace {

// Task.queueWaitTime as Conductor's getter computes it. The getter reads the wall clock, so this does
// too: the value only decorates responses and never feeds the engine.
std::int64_t queue_wait_time(const Task& t) {
  if (t.start_time <= 0 || t.scheduled_time <= 0) return 0;
  if (t.update_time > 0 && t.callback_after_seconds > 0) {
    const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    return std::max<std::int64_t>(0, now - (t.update_time + t.callback_after_seconds * 1000));
  }
  return t.start_time - t.scheduled_time;
}

// Task.subWorkflowId falls back to the id a SUB_WORKFLOW task keeps in its output, then its input.
std::optional<std::string> sub_workflow_id(const Task& t) {
  if (t.sub_workflow_id && !t.sub_workflow_id->empty()) return t.sub_workflow_id;
  for (const JsonObject* data : {&t.output_data, &t.input_data}) {
    if (const Json* id = data->if_contains("subWorkflowId"); id && id->is_string()) return std::string(id->get_string());
  }
  return t.sub_workflow_id;
}

// Task.taskDefinition is always present: the node's definition, or null.
Json task_definition(const Task& t, JsonMode mode) {
  if (t.workflow_task && t.workflow_task->task_definition) return to_json(*t.workflow_task->task_definition, mode);
  return Json(nullptr);
}

}  // namespace

template <ModelOf<Task> S, class V>
void fields(S& s, V& v) {
  v("taskId", s.task_id);
  v("taskType", s.task_type);
  v.wire_fallback("taskDefName", s.task_def_name,
                  [&]() -> const std::string& { return s.task_def_name.empty() ? s.task_type : s.task_def_name; });
  v("referenceTaskName", s.reference_task_name);
  v("status", s.status);
  v("workflowInstanceId", s.workflow_instance_id);
  v("workflowType", s.workflow_type);
  v("correlationId", s.correlation_id);
  v("inputData", s.input_data);
  v("outputData", s.output_data);
  v("seq", s.seq);
  v("retryCount", s.retry_count);
  v("pollCount", s.poll_count);
  v("scheduledTime", s.scheduled_time);
  v("startTime", s.start_time);
  v("endTime", s.end_time);
  v("updateTime", s.update_time);
  v("firstStartTime", s.first_start_time);
  v("startDelayInSeconds", s.start_delay_in_seconds);
  v("retriedTaskId", s.retried_task_id);
  v("retried", s.retried);
  v("executed", s.executed);
  v("callbackFromWorker", s.callback_from_worker);
  v("responseTimeoutSeconds", s.response_timeout_seconds);
  v("callbackAfterSeconds", s.callback_after_seconds);
  v("workerId", s.worker_id);
  v("reasonForIncompletion", s.reason_for_incompletion);
  v("workflowTask", s.workflow_task);
  v.derived("taskDefinition", [&] { return task_definition(s, JsonMode::kWire); });
  v("domain", s.domain);
  v("rateLimitPerFrequency", s.rate_limit_per_frequency);
  v("rateLimitFrequencyInSeconds", s.rate_limit_frequency_in_seconds);
  v("externalInputPayloadStoragePath", s.external_input_payload_storage_path);
  v("externalOutputPayloadStoragePath", s.external_output_payload_storage_path);
  v("workflowPriority", s.workflow_priority);
  v("executionNameSpace", s.execution_name_space);
  v("isolationGroupId", s.isolation_group_id);
  v("iteration", s.iteration);
  v.derived("loopOverTask", [&] { return s.iteration > 0; });
  v.wire_fallback("subWorkflowId", s.sub_workflow_id, [&] { return sub_workflow_id(s); });
  v("subworkflowChanged", s.subworkflow_changed);
  v("parentTaskId", s.parent_task_id);
  v.derived("queueWaitTime", [&] { return queue_wait_time(s); });
  v.non_empty("executionMetadata", s.execution_metadata);
  v.non_empty("runtimeMetadata", s.runtime_metadata);
  v.storage_only("firstScheduledTime", s.first_scheduled_time);
  v.storage_only("callbackAfterMs", s.callback_after_ms);
  v.storage_only("waitTimeout", s.wait_timeout);
}

template <ModelOf<TaskExecLog> S, class V>
void fields(S& s, V& v) {
  v("log", s.log);
  v("taskId", s.task_id);
  v("createdTime", s.created_time);
}

template <ModelOf<TaskResult> S, class V>
void fields(S& s, V& v) {
  v("workflowInstanceId", s.workflow_instance_id);
  v("taskId", s.task_id);
  v("status", s.status);
  v("outputData", s.output_data);
  v("reasonForIncompletion", s.reason_for_incompletion);
  v("callbackAfterSeconds", s.callback_after_seconds);
  v("workerId", s.worker_id);
  v("logs", s.logs);
  v("externalOutputPayloadStoragePath", s.external_output_payload_storage_path);
  v("subWorkflowId", s.sub_workflow_id);
  v("extendLease", s.extend_lease);
  v("supportsCancellation", s.supports_cancellation);
  v("executionMetadata", s.execution_metadata);
}

template <ModelOf<PollData> S, class V>
void fields(S& s, V& v) {
  v("queueName", s.queue_name);
  v("domain", s.domain);
  v("workerId", s.worker_id);
  v("lastPollTime", s.last_poll_time);
}

template <ModelOf<Workflow> S, class V>
void fields(S& s, V& v) {
  audit_fields(s, v);
  v("workflowId", s.workflow_id);
  v("status", s.status);
  v.derived("workflowName", [&]() -> const std::string& { return s.workflow_name(); });
  v.derived("workflowVersion", [&] { return s.workflow_version(); });
  v("workflowDefinition", s.workflow_definition);
  v.derived("startTime", [&] { return s.create_time; });
  v("endTime", s.end_time);
  v("input", s.input);
  v("output", s.output);
  v("variables", s.variables);
  v("tasks", s.tasks);
  v("priority", s.priority);
  v("correlationId", s.correlation_id);
  v("taskToDomain", s.task_to_domain);
  v("parentWorkflowId", s.parent_workflow_id);
  v("parentWorkflowTaskId", s.parent_workflow_task_id);
  v("reRunFromWorkflowId", s.re_run_from_workflow_id);
  v("reasonForIncompletion", s.reason_for_incompletion);
  v("failedReferenceTaskNames", s.failed_reference_task_names);
  v("failedTaskNames", s.failed_task_names);
  v("event", s.event);
  v("lastRetriedTime", s.last_retried_time);
  v("externalInputPayloadStoragePath", s.external_input_payload_storage_path);
  v("externalOutputPayloadStoragePath", s.external_output_payload_storage_path);
  v("history", s.history);
  v("idempotencyKey", s.idempotency_key);
  v("rateLimitKey", s.rate_limit_key);
  v("rateLimited", s.rate_limited);
  v.storage_only("previousStatus", s.previous_status);
  v.storage_only("failedTaskId", s.failed_task_id);
}

namespace {

/// What a default-constructed model writes for one field.
struct FieldDefault {
  std::string text;  ///< the property as written, empty when none is
  bool zero = false;  ///< the field holds its kind's zero value (see is_zero)
};

/// Whether `field` holds the one value of its kind that needs no encoding to recognise: zero, false,
/// absent or empty. Two such fields of one kind write the same text. Other kinds (floating point,
/// whose zero has a sign; proxies) are never zero here.
template <class T>
bool is_zero(const T& field) {
  if constexpr (std::is_same_v<T, bool>) {
    return !field;
  } else if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
    return field == T{};
  } else if constexpr (kIsOptional<T> || kIsShared<T>) {
    return !field;
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, JsonObject> || kIsVector<T> ||
                       kIsMap<T>) {
    return field.empty();
  } else {
    return false;
  }
}

/// Writes a row's fields through a TextEncoder, leaving out the skipped ones and each property whose
/// text is the one a default-constructed model writes there: decoding gives an absent field its
/// default, so a row need not carry it. A field that holds its kind's zero value where the default
/// does too is left out without writing it; any other is written and taken back when its text is
/// the default's. The model lists its fields in the same order every time, so the i-th field
/// written is always the same one. Given no defaults, it takes nothing back and records each
/// field's default in `recorded`.
class RowWriter {
 public:
  RowWriter(TextEncoder& inner, std::initializer_list<std::string_view> skipped,
            const std::vector<FieldDefault>* defaults, std::vector<FieldDefault>* recorded)
      : inner_(inner), skipped_(skipped), defaults_(defaults), recorded_(recorded) {}

  template <class T>
  void operator()(std::string_view key, const T& field) {
    write(key, is_zero(field), [&] { inner_(key, field); });
  }
  template <class T>
  void storage_only(std::string_view key, const T& field) {
    write(key, is_zero(field), [&] { inner_.storage_only(key, field); });
  }
  template <class F>
  void derived(std::string_view key, F&& compute) {
    write(key, false, [&] { inner_.derived(key, std::forward<F>(compute)); });
  }
  template <class T, class F>
  void wire_fallback(std::string_view key, const T& field, F&& compute) {
    // Rows are kStorage, which writes the field itself.
    write(key, is_zero(field), [&] { inner_.wire_fallback(key, field, std::forward<F>(compute)); });
  }
  template <class T>
  void non_empty(std::string_view key, const T& field) {
    write(key, is_zero(field), [&] { inner_.non_empty(key, field); });
  }

 private:
  template <class F>
  void write(std::string_view key, bool zero, F&& encode) {
    if (skipped(key)) return;
    if (defaults_ && zero && (*defaults_)[field_].zero) {
      ++field_;
      return;
    }
    const auto mark = inner_.mark();
    encode();
    settle(mark, zero);
  }
  bool skipped(std::string_view key) const {
    return std::find(skipped_.begin(), skipped_.end(), key) != skipped_.end();
  }
  void settle(TextEncoder::Mark mark, bool zero) {
    if (!defaults_) {
      recorded_->push_back({std::string(inner_.since(mark)), zero});
    } else if (inner_.since(mark) == (*defaults_)[field_++].text) {
      inner_.rewind(mark);
    }
  }

  TextEncoder& inner_;
  std::initializer_list<std::string_view> skipped_;
  const std::vector<FieldDefault>* defaults_;
  std::vector<FieldDefault>* recorded_;
  std::size_t field_ = 0;
};

/// Writes the row text of `value`, kStorage without the `skipped` fields, into `text`.
template <class T>
void write_row(std::string& text, const T& value, std::initializer_list<std::string_view> skipped,
               const std::vector<FieldDefault>* defaults, std::vector<FieldDefault>* recorded) {
  text += '{';
  TextEncoder encoder(text, JsonMode::kStorage);
  RowWriter writer(encoder, skipped, defaults, recorded);
  fields(value, writer);
  text += '}';
}

/// The kStorage JSON text of `value` without the `skipped` fields (the same for every call with a
/// given T) and without the properties that hold their default.
template <class T>
std::string row_json(const T& value, std::initializer_list<std::string_view> skipped) {
  static const std::vector<FieldDefault> defaults = [&] {
    std::vector<FieldDefault> recorded;
    std::string ignored;
    write_row(ignored, T{}, skipped, nullptr, &recorded);
    return recorded;
  }();
  std::string text;
  text.reserve(1024);  // most rows fit: no regrowing on the way
  write_row(text, value, skipped, &defaults, nullptr);
  return text;
}

}  // namespace

namespace {

/// A row is JSON text, which must be UTF-8: a string that is not (a host's bytes, a remote
/// server's) would make the stored workflow unreadable, so the change that carries it fails instead.
std::string checked_utf8(std::string row, std::string_view kind, std::string_view id) {
  if (!is_utf8(row)) throw ValidationError(fmt::format("{} {} holds text that is not UTF-8", kind, id));
  return row;
}

}  // namespace

std::string workflow_row_json(const Workflow& workflow) {
  return checked_utf8(row_json(workflow, {"workflowDefinition", "tasks"}), "Workflow", workflow.workflow_id);
}

std::string task_row_json(const Task& task) {
  return checked_utf8(row_json(task, {"workflowTask"}), "Task", task.task_id);
}

}  // namespace detail

CONDUCTOR_DEFINE_CODEC(Task)
CONDUCTOR_DEFINE_CODEC(TaskExecLog)
CONDUCTOR_DEFINE_CODEC(TaskResult)
CONDUCTOR_DEFINE_CODEC(PollData)
CONDUCTOR_DEFINE_CODEC(Workflow)

}  // namespace conductor
