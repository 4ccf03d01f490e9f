// Codecs of the definition models: task and workflow definitions and their parts.
#include "json/fields.hpp"

namespace conductor {
namespace detail {
namespace {

// SubWorkflowParams.workflowDefinition: an inline WorkflowDef, checked and stored with its defaults
// filled in, or a `${...}` expression resolved when the task is scheduled.
template <class T>
struct InlineWorkflowDef {
  static constexpr bool kFieldProxy = true;
  T& value;

  bool omitted() const { return !value; }
  template <class E>
  Json encode(const E&) const {
    return *value;
  }
  template <class D>
  void decode(const Json& json, const D& decoder) {
    if (json.is_null()) {
      value.reset();
    } else if (json.is_object()) {
      WorkflowDef def;
      decoder.decode(json, def);
      value = to_json(def, decoder.mode());
    } else if (json.is_string() && json.get_string().starts_with("${") && json.get_string().ends_with("}")) {
      value.emplace() = json;
    } else {
      throw DecodeError("expected a workflow definition object or a ${...} expression", json);
    }
  }
};
template <class T>
InlineWorkflowDef<T> inline_workflow_def(T& value) {
  return {value};
}

}  // namespace

template <ModelOf<SchemaDef> S, class V>
void fields(S& s, V& v) {
  audit_fields(s, v);
  v("name", s.name);
  v("version", s.version);
  v("type", s.type);
  v("data", s.data);
  v("externalRef", s.external_ref);
}

template <ModelOf<RateLimitConfig> S, class V>
void fields(S& s, V& v) {
  v("rateLimitKey", s.rate_limit_key);
  v("concurrentExecLimit", s.concurrent_exec_limit);
  v("policy", s.policy);
}

template <ModelOf<CacheConfig> S, class V>
void fields(S& s, V& v) {
  v("key", s.key);
  v("ttlInSecond", s.ttl_in_second);
}

template <ModelOf<TaskDef> S, class V>
void fields(S& s, V& v) {
  audit_fields(s, v);
  v("name", s.name);
  v("description", s.description);
  v("retryCount", s.retry_count);
  v("timeoutSeconds", s.timeout_seconds);
  v("totalTimeoutSeconds", s.total_timeout_seconds);
  v("responseTimeoutSeconds", s.response_timeout_seconds);
  v("pollTimeoutSeconds", s.poll_timeout_seconds);
  v("retryLogic", s.retry_logic);
  v("retryDelaySeconds", s.retry_delay_seconds);
  v("backoffScaleFactor", s.backoff_scale_factor);
  v("maxRetryDelaySeconds", s.max_retry_delay_seconds);
  v("backoffJitterMs", s.backoff_jitter_ms);
  v("timeoutPolicy", s.timeout_policy);
  v("inputKeys", s.input_keys);
  v("outputKeys", s.output_keys);
  v("inputTemplate", s.input_template);
  v("runtimeMetadata", s.runtime_metadata);
  v("concurrentExecLimit", s.concurrent_exec_limit);
  v("rateLimitPerFrequency", s.rate_limit_per_frequency);
  v("rateLimitFrequencyInSeconds", s.rate_limit_frequency_in_seconds);
  v("isolationGroupId", s.isolation_group_id);
  v("executionNameSpace", s.execution_name_space);
  v("ownerEmail", s.owner_email);
  v("baseType", s.base_type);
  v("taskStatusListenerEnabled", s.task_status_listener_enabled);
  v("inputSchema", s.input_schema);
  v("outputSchema", s.output_schema);
  v("enforceSchema", s.enforce_schema);
}

template <ModelOf<SubWorkflowParams> S, class V>
void fields(S& s, V& v) {
  // Conductor's getters report the inline definition's name and version when there is one.
  const auto inline_def = [&s]() -> const JsonObject* {
    return s.workflow_definition && s.workflow_definition->is_object() ? &s.workflow_definition->get_object()
                                                                       : nullptr;
  };
  v.wire_fallback("name", s.name, [&]() -> std::optional<std::string> {
    if (const auto* def = inline_def()) {
      if (const auto* name = def->if_contains("name"); name && name->is_string()) {
        return std::string(name->get_string());
      }
    }
    return s.name;
  });
  v.wire_fallback("version", s.version, [&]() -> std::optional<int> {
    if (const auto* def = inline_def()) {
      if (const auto* version = def->if_contains("version"); version && version->is_int64()) {
        return static_cast<int>(version->get_int64());
      }
    }
    return s.version;
  });
  v("taskToDomain", s.task_to_domain);
  v("workflowDefinition", inline_workflow_def(s.workflow_definition));
  v("idempotencyKey", s.idempotency_key);
  v("idempotencyStrategy", s.idempotency_strategy);
  v("priority", s.priority);
}

template <ModelOf<StateChangeEvent> S, class V>
void fields(S& s, V& v) {
  v("type", s.type);
  v("payload", s.payload);
}

template <ModelOf<WorkflowTask> S, class V>
void fields(S& s, V& v) {
  v("name", s.name);
  v("taskReferenceName", s.task_reference_name);
  v("description", s.description);
  v("type", s.type);
  v("inputParameters", s.input_parameters);
  v("startDelay", s.start_delay);
  v("optional", s.optional);
  v("retryCount", s.retry_count);
  v("asyncComplete", s.async_complete);
  v("rateLimited", s.rate_limited);
  v("permissive", s.permissive);
  v("taskDefinition", s.task_definition);
  v("dynamicTaskNameParam", s.dynamic_task_name_param);
  v("caseValueParam", s.case_value_param);
  v("caseExpression", s.case_expression);
  v("scriptExpression", s.script_expression);
  v("evaluatorType", s.evaluator_type);
  v("expression", s.expression);
  v("decisionCases", s.decision_cases);
  v("defaultCase", s.default_case);
  v("forkTasks", s.fork_tasks);
  v("joinOn", s.join_on);
  v("joinStatus", s.join_status);
  v("joinMode", s.join_mode);
  v("defaultExclusiveJoinTask", s.default_exclusive_join_task);
  v("dynamicForkTasksParam", s.dynamic_fork_tasks_param);
  v("dynamicForkTasksInputParamName", s.dynamic_fork_tasks_input_param_name);
  v("dynamicForkJoinTasksParam", s.dynamic_fork_join_tasks_param);
  v("loopCondition", s.loop_condition);
  v("loopOver", s.loop_over);
  v("items", s.items);
  v("subWorkflowParam", s.sub_workflow_param);
  v("sink", s.sink);
  v("onStateChange", s.on_state_change);
  v("cacheConfig", s.cache_config);
  v("metadata", s.metadata);
}

template <ModelOf<WorkflowDef> S, class V>
void fields(S& s, V& v) {
  audit_fields(s, v);
  v("name", s.name);
  v("description", s.description);
  v("version", s.version);
  v("tasks", s.tasks);
  v("inputParameters", s.input_parameters);
  v("outputParameters", s.output_parameters);
  v("inputTemplate", s.input_template);
  v("variables", s.variables);
  v("failureWorkflow", s.failure_workflow);
  v("failureWorkflowVersion", s.failure_workflow_version);
  v("schemaVersion", s.schema_version);
  v("restartable", s.restartable);
  v("workflowStatusListenerEnabled", s.workflow_status_listener_enabled);
  v("workflowStatusListenerSink", s.workflow_status_listener_sink);
  v("ownerEmail", s.owner_email);
  v("timeoutPolicy", s.timeout_policy);
  v("timeoutSeconds", s.timeout_seconds);
  v("rateLimitConfig", s.rate_limit_config);
  v("inputSchema", s.input_schema);
  v("outputSchema", s.output_schema);
  v("enforceSchema", s.enforce_schema);
  v("metadata", s.metadata);
  v("cacheConfig", s.cache_config);
  v("maskedFields", s.masked_fields);
}

template <ModelOf<WorkflowDefSummary> S, class V>
void fields(S& s, V& v) {
  v("name", s.name);
  v("version", s.version);
  v("createTime", s.create_time);
  v("updateTime", s.update_time);
}

}  // namespace detail

CONDUCTOR_DEFINE_CODEC(SchemaDef)
CONDUCTOR_DEFINE_CODEC(RateLimitConfig)
CONDUCTOR_DEFINE_CODEC(CacheConfig)
CONDUCTOR_DEFINE_CODEC(TaskDef)
CONDUCTOR_DEFINE_CODEC(SubWorkflowParams)
CONDUCTOR_DEFINE_CODEC(StateChangeEvent)
CONDUCTOR_DEFINE_CODEC(WorkflowTask)
CONDUCTOR_DEFINE_CODEC(WorkflowDef)
CONDUCTOR_DEFINE_CODEC(WorkflowDefSummary)

}  // namespace conductor
