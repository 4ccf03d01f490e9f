#pragma once

#include <conductor/export.hpp>

#include <optional>
#include <string_view>

/// Conductor's enumerations. Each has a `to_string` giving the wire name and a `parse_*` that
/// returns nullopt for an unknown name (names are case-sensitive, as on the wire).
namespace conductor {

enum class TaskStatus {
  kInProgress,
  kScheduled,
  kCompleted,
  kCompletedWithErrors,
  kSkipped,
  kFailed,
  kTimedOut,
  kFailedWithTerminalError,
  kCanceled,
};
CONDUCTOR_EXPORT std::string_view to_string(TaskStatus s);
CONDUCTOR_EXPORT std::optional<TaskStatus> parse_task_status(std::string_view s);
/// Terminal: the task will not change again unless a workflow operation resets it.
CONDUCTOR_EXPORT bool is_terminal(TaskStatus s);
/// Conductor's "successful" flag: true for the non-terminal statuses too.
CONDUCTOR_EXPORT bool is_successful(TaskStatus s);
CONDUCTOR_EXPORT bool is_retriable(TaskStatus s);

enum class WorkflowStatus { kRunning, kCompleted, kFailed, kTimedOut, kTerminated, kPaused };
CONDUCTOR_EXPORT std::string_view to_string(WorkflowStatus s);
CONDUCTOR_EXPORT std::optional<WorkflowStatus> parse_workflow_status(std::string_view s);
CONDUCTOR_EXPORT bool is_terminal(WorkflowStatus s);
CONDUCTOR_EXPORT bool is_successful(WorkflowStatus s);

/// Statuses a worker may report in a TaskResult.
enum class TaskResultStatus { kInProgress, kFailed, kFailedWithTerminalError, kCompleted, kCanceled };
CONDUCTOR_EXPORT std::string_view to_string(TaskResultStatus s);
CONDUCTOR_EXPORT std::optional<TaskResultStatus> parse_task_result_status(std::string_view s);

enum class RetryLogic { kFixed, kExponentialBackoff, kLinearBackoff };
CONDUCTOR_EXPORT std::string_view to_string(RetryLogic v);
CONDUCTOR_EXPORT std::optional<RetryLogic> parse_retry_logic(std::string_view s);

/// What happens when a task exceeds its timeoutSeconds.
enum class TaskTimeoutPolicy { kRetry, kTimeOutWf, kAlertOnly };
CONDUCTOR_EXPORT std::string_view to_string(TaskTimeoutPolicy v);
CONDUCTOR_EXPORT std::optional<TaskTimeoutPolicy> parse_task_timeout_policy(std::string_view s);

/// What happens when a workflow exceeds its timeoutSeconds.
enum class WorkflowTimeoutPolicy { kTimeOutWf, kAlertOnly };
CONDUCTOR_EXPORT std::string_view to_string(WorkflowTimeoutPolicy v);
CONDUCTOR_EXPORT std::optional<WorkflowTimeoutPolicy> parse_workflow_timeout_policy(std::string_view s);

enum class RateLimitPolicy { kQueue, kReject };
CONDUCTOR_EXPORT std::string_view to_string(RateLimitPolicy v);
CONDUCTOR_EXPORT std::optional<RateLimitPolicy> parse_rate_limit_policy(std::string_view s);

enum class IdempotencyStrategy { kFail, kReturnExisting, kFailOnRunning };
CONDUCTOR_EXPORT std::string_view to_string(IdempotencyStrategy v);
CONDUCTOR_EXPORT std::optional<IdempotencyStrategy> parse_idempotency_strategy(std::string_view s);

enum class JoinMode { kSync, kAsync };
CONDUCTOR_EXPORT std::string_view to_string(JoinMode v);
CONDUCTOR_EXPORT std::optional<JoinMode> parse_join_mode(std::string_view s);

enum class SchemaType { kJson, kAvro, kProtobuf };
CONDUCTOR_EXPORT std::string_view to_string(SchemaType v);
CONDUCTOR_EXPORT std::optional<SchemaType> parse_schema_type(std::string_view s);

/// EventHandler action kinds; lower-case on the wire.
enum class EventActionType {
  kStartWorkflow,
  kCompleteTask,
  kFailTask,
  kTerminateWorkflow,
  kUpdateWorkflowVariables,
  kStartAgent,
};
CONDUCTOR_EXPORT std::string_view to_string(EventActionType v);
CONDUCTOR_EXPORT std::optional<EventActionType> parse_event_action_type(std::string_view s);

/// What became of one action of an event handler for one message (Conductor's EventExecution.Status).
enum class EventExecutionStatus { kInProgress, kCompleted, kFailed, kSkipped };
CONDUCTOR_EXPORT std::string_view to_string(EventExecutionStatus v);
CONDUCTOR_EXPORT std::optional<EventExecutionStatus> parse_event_execution_status(std::string_view s);

enum class WorkflowSignalReturnStrategy { kTargetWorkflow, kBlockingWorkflow, kBlockingTask, kBlockingTaskInput };
CONDUCTOR_EXPORT std::string_view to_string(WorkflowSignalReturnStrategy v);
CONDUCTOR_EXPORT std::optional<WorkflowSignalReturnStrategy> parse_workflow_signal_return_strategy(std::string_view s);

/// Known values of WorkflowTask::type. The node type itself stays a string: any other value is a
/// user-defined worker task, which `parse_task_type` reports as kUserDefined.
enum class TaskType {
  kSimple,
  kDynamic,
  kForkJoin,
  kForkJoinDynamic,
  kDecision,
  kSwitch,
  kJoin,
  kExclusiveJoin,
  kDoWhile,
  kSubWorkflow,
  kStartWorkflow,
  kEvent,
  kWait,
  kHuman,
  kUserDefined,
  kHttp,
  kLambda,
  kInline,
  kTerminate,
  kKafkaPublish,
  kJsonJqTransform,
  kSetVariable,
  kNoop,
  kFork,  ///< runtime-only type of the task a FORK_JOIN node creates
};
CONDUCTOR_EXPORT std::string_view to_string(TaskType v);
/// Never fails: unknown strings are kUserDefined.
CONDUCTOR_EXPORT TaskType parse_task_type(std::string_view s);

}  // namespace conductor
