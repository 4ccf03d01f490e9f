#include <conductor/model/enums.hpp>

#include <array>
#include <cstddef>

namespace conductor {
namespace {

// Wire names indexed by enumerator value: every enum here is contiguous from 0, so one array per enum
// serves both directions.
template <class E, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, E value) {
  return names[static_cast<std::size_t>(value)];
}

template <class E, std::size_t N>
std::optional<E> parse_name(const std::array<std::string_view, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == s) return static_cast<E>(i);
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 9> kTaskStatusNames{
    "IN_PROGRESS", "SCHEDULED", "COMPLETED",  "COMPLETED_WITH_ERRORS",      "SKIPPED",
    "FAILED",      "TIMED_OUT", "FAILED_WITH_TERMINAL_ERROR", "CANCELED"};
constexpr std::array<std::string_view, 6> kWorkflowStatusNames{"RUNNING",    "COMPLETED",  "FAILED",
                                                               "TIMED_OUT", "TERMINATED", "PAUSED"};
constexpr std::array<std::string_view, 5> kTaskResultStatusNames{"IN_PROGRESS", "FAILED", "FAILED_WITH_TERMINAL_ERROR",
                                                                 "COMPLETED", "CANCELED"};
constexpr std::array<std::string_view, 3> kRetryLogicNames{"FIXED", "EXPONENTIAL_BACKOFF", "LINEAR_BACKOFF"};
constexpr std::array<std::string_view, 3> kTaskTimeoutPolicyNames{"RETRY", "TIME_OUT_WF", "ALERT_ONLY"};
constexpr std::array<std::string_view, 2> kWorkflowTimeoutPolicyNames{"TIME_OUT_WF", "ALERT_ONLY"};
constexpr std::array<std::string_view, 2> kRateLimitPolicyNames{"QUEUE", "REJECT"};
constexpr std::array<std::string_view, 3> kIdempotencyStrategyNames{"FAIL", "RETURN_EXISTING", "FAIL_ON_RUNNING"};
constexpr std::array<std::string_view, 2> kJoinModeNames{"SYNC", "ASYNC"};
constexpr std::array<std::string_view, 3> kSchemaTypeNames{"JSON", "AVRO", "PROTOBUF"};
constexpr std::array<std::string_view, 6> kEventActionTypeNames{"start_workflow",     "complete_task",
                                                                "fail_task",          "terminate_workflow",
                                                                "update_workflow_variables", "start_agent"};
constexpr std::array<std::string_view, 4> kEventExecutionStatusNames{"IN_PROGRESS", "COMPLETED", "FAILED", "SKIPPED"};
constexpr std::array<std::string_view, 4> kSignalReturnStrategyNames{"TARGET_WORKFLOW", "BLOCKING_WORKFLOW",
                                                                     "BLOCKING_TASK", "BLOCKING_TASK_INPUT"};
constexpr std::array<std::string_view, 24> kTaskTypeNames{
    "SIMPLE",       "DYNAMIC", "FORK_JOIN",     "FORK_JOIN_DYNAMIC", "DECISION",          "SWITCH",
    "JOIN",         "EXCLUSIVE_JOIN", "DO_WHILE", "SUB_WORKFLOW",    "START_WORKFLOW",    "EVENT",
    "WAIT",         "HUMAN",   "USER_DEFINED",  "HTTP",              "LAMBDA",            "INLINE",
    "TERMINATE",    "KAFKA_PUBLISH", "JSON_JQ_TRANSFORM", "SET_VARIABLE", "NOOP",         "FORK"};

}  // namespace

std::string_view to_string(TaskStatus s) { return name_of(kTaskStatusNames, s); }
std::optional<TaskStatus> parse_task_status(std::string_view s) { return parse_name<TaskStatus>(kTaskStatusNames, s); }

bool is_terminal(TaskStatus s) { return s != TaskStatus::kInProgress && s != TaskStatus::kScheduled; }

bool is_successful(TaskStatus s) {
  switch (s) {
    case TaskStatus::kFailed:
    case TaskStatus::kTimedOut:
    case TaskStatus::kFailedWithTerminalError:
    case TaskStatus::kCanceled:
      return false;
    default:
      return true;
  }
}

bool is_retriable(TaskStatus s) {
  switch (s) {
    case TaskStatus::kSkipped:
    case TaskStatus::kFailedWithTerminalError:
    case TaskStatus::kCanceled:
      return false;
    default:
      return true;
  }
}

std::string_view to_string(WorkflowStatus s) { return name_of(kWorkflowStatusNames, s); }
std::optional<WorkflowStatus> parse_workflow_status(std::string_view s) {
  return parse_name<WorkflowStatus>(kWorkflowStatusNames, s);
}
bool is_terminal(WorkflowStatus s) { return s != WorkflowStatus::kRunning && s != WorkflowStatus::kPaused; }
bool is_successful(WorkflowStatus s) { return s == WorkflowStatus::kCompleted || s == WorkflowStatus::kPaused; }

std::string_view to_string(TaskResultStatus s) { return name_of(kTaskResultStatusNames, s); }
std::optional<TaskResultStatus> parse_task_result_status(std::string_view s) {
  return parse_name<TaskResultStatus>(kTaskResultStatusNames, s);
}

std::string_view to_string(RetryLogic v) { return name_of(kRetryLogicNames, v); }
std::optional<RetryLogic> parse_retry_logic(std::string_view s) { return parse_name<RetryLogic>(kRetryLogicNames, s); }

std::string_view to_string(TaskTimeoutPolicy v) { return name_of(kTaskTimeoutPolicyNames, v); }
std::optional<TaskTimeoutPolicy> parse_task_timeout_policy(std::string_view s) {
  return parse_name<TaskTimeoutPolicy>(kTaskTimeoutPolicyNames, s);
}

std::string_view to_string(WorkflowTimeoutPolicy v) { return name_of(kWorkflowTimeoutPolicyNames, v); }
std::optional<WorkflowTimeoutPolicy> parse_workflow_timeout_policy(std::string_view s) {
  return parse_name<WorkflowTimeoutPolicy>(kWorkflowTimeoutPolicyNames, s);
}

std::string_view to_string(RateLimitPolicy v) { return name_of(kRateLimitPolicyNames, v); }
std::optional<RateLimitPolicy> parse_rate_limit_policy(std::string_view s) {
  return parse_name<RateLimitPolicy>(kRateLimitPolicyNames, s);
}

std::string_view to_string(IdempotencyStrategy v) { return name_of(kIdempotencyStrategyNames, v); }
std::optional<IdempotencyStrategy> parse_idempotency_strategy(std::string_view s) {
  return parse_name<IdempotencyStrategy>(kIdempotencyStrategyNames, s);
}

std::string_view to_string(JoinMode v) { return name_of(kJoinModeNames, v); }
std::optional<JoinMode> parse_join_mode(std::string_view s) { return parse_name<JoinMode>(kJoinModeNames, s); }

std::string_view to_string(SchemaType v) { return name_of(kSchemaTypeNames, v); }
std::optional<SchemaType> parse_schema_type(std::string_view s) { return parse_name<SchemaType>(kSchemaTypeNames, s); }

std::string_view to_string(EventActionType v) { return name_of(kEventActionTypeNames, v); }
std::optional<EventActionType> parse_event_action_type(std::string_view s) {
  return parse_name<EventActionType>(kEventActionTypeNames, s);
}

std::string_view to_string(EventExecutionStatus v) { return name_of(kEventExecutionStatusNames, v); }
std::optional<EventExecutionStatus> parse_event_execution_status(std::string_view s) {
  return parse_name<EventExecutionStatus>(kEventExecutionStatusNames, s);
}

std::string_view to_string(WorkflowSignalReturnStrategy v) { return name_of(kSignalReturnStrategyNames, v); }
std::optional<WorkflowSignalReturnStrategy> parse_workflow_signal_return_strategy(std::string_view s) {
  return parse_name<WorkflowSignalReturnStrategy>(kSignalReturnStrategyNames, s);
}

std::string_view to_string(TaskType v) { return name_of(kTaskTypeNames, v); }
TaskType parse_task_type(std::string_view s) {
  return parse_name<TaskType>(kTaskTypeNames, s).value_or(TaskType::kUserDefined);
}

}  // namespace conductor
