#include <conductor/model/enums.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace conductor;

namespace {

// Every value with its wire name, and a round trip through to_string and the parser.
template <class E, class Parse>
void check_names(const std::vector<std::pair<E, std::string>>& table, Parse parse) {
  for (const auto& [value, name] : table) {
    CHECK(to_string(value) == name);
    const auto parsed = parse(name);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == value);
  }
}

}  // namespace

TEST_CASE("enums: every value has its wire name and parses back", "[unit]") {
  check_names<TaskStatus>({{TaskStatus::kInProgress, "IN_PROGRESS"},
                           {TaskStatus::kScheduled, "SCHEDULED"},
                           {TaskStatus::kCompleted, "COMPLETED"},
                           {TaskStatus::kCompletedWithErrors, "COMPLETED_WITH_ERRORS"},
                           {TaskStatus::kSkipped, "SKIPPED"},
                           {TaskStatus::kFailed, "FAILED"},
                           {TaskStatus::kTimedOut, "TIMED_OUT"},
                           {TaskStatus::kFailedWithTerminalError, "FAILED_WITH_TERMINAL_ERROR"},
                           {TaskStatus::kCanceled, "CANCELED"}},
                          parse_task_status);
  check_names<WorkflowStatus>({{WorkflowStatus::kRunning, "RUNNING"},
                               {WorkflowStatus::kCompleted, "COMPLETED"},
                               {WorkflowStatus::kFailed, "FAILED"},
                               {WorkflowStatus::kTimedOut, "TIMED_OUT"},
                               {WorkflowStatus::kTerminated, "TERMINATED"},
                               {WorkflowStatus::kPaused, "PAUSED"}},
                              parse_workflow_status);
  check_names<TaskResultStatus>({{TaskResultStatus::kInProgress, "IN_PROGRESS"},
                                 {TaskResultStatus::kFailed, "FAILED"},
                                 {TaskResultStatus::kFailedWithTerminalError, "FAILED_WITH_TERMINAL_ERROR"},
                                 {TaskResultStatus::kCompleted, "COMPLETED"},
                                 {TaskResultStatus::kCanceled, "CANCELED"}},
                                parse_task_result_status);
  check_names<RetryLogic>({{RetryLogic::kFixed, "FIXED"},
                           {RetryLogic::kExponentialBackoff, "EXPONENTIAL_BACKOFF"},
                           {RetryLogic::kLinearBackoff, "LINEAR_BACKOFF"}},
                          parse_retry_logic);
  check_names<TaskTimeoutPolicy>({{TaskTimeoutPolicy::kRetry, "RETRY"},
                                  {TaskTimeoutPolicy::kTimeOutWf, "TIME_OUT_WF"},
                                  {TaskTimeoutPolicy::kAlertOnly, "ALERT_ONLY"}},
                                 parse_task_timeout_policy);
  check_names<WorkflowTimeoutPolicy>(
      {{WorkflowTimeoutPolicy::kTimeOutWf, "TIME_OUT_WF"}, {WorkflowTimeoutPolicy::kAlertOnly, "ALERT_ONLY"}},
      parse_workflow_timeout_policy);
  check_names<RateLimitPolicy>({{RateLimitPolicy::kQueue, "QUEUE"}, {RateLimitPolicy::kReject, "REJECT"}},
                               parse_rate_limit_policy);
  check_names<IdempotencyStrategy>({{IdempotencyStrategy::kFail, "FAIL"},
                                    {IdempotencyStrategy::kReturnExisting, "RETURN_EXISTING"},
                                    {IdempotencyStrategy::kFailOnRunning, "FAIL_ON_RUNNING"}},
                                   parse_idempotency_strategy);
  check_names<JoinMode>({{JoinMode::kSync, "SYNC"}, {JoinMode::kAsync, "ASYNC"}}, parse_join_mode);
  check_names<SchemaType>({{SchemaType::kJson, "JSON"}, {SchemaType::kAvro, "AVRO"}, {SchemaType::kProtobuf, "PROTOBUF"}},
                          parse_schema_type);
  check_names<EventActionType>({{EventActionType::kStartWorkflow, "start_workflow"},
                                {EventActionType::kCompleteTask, "complete_task"},
                                {EventActionType::kFailTask, "fail_task"},
                                {EventActionType::kTerminateWorkflow, "terminate_workflow"},
                                {EventActionType::kUpdateWorkflowVariables, "update_workflow_variables"},
                                {EventActionType::kStartAgent, "start_agent"}},
                               parse_event_action_type);
  check_names<WorkflowSignalReturnStrategy>(
      {{WorkflowSignalReturnStrategy::kTargetWorkflow, "TARGET_WORKFLOW"},
       {WorkflowSignalReturnStrategy::kBlockingWorkflow, "BLOCKING_WORKFLOW"},
       {WorkflowSignalReturnStrategy::kBlockingTask, "BLOCKING_TASK"},
       {WorkflowSignalReturnStrategy::kBlockingTaskInput, "BLOCKING_TASK_INPUT"}},
      parse_workflow_signal_return_strategy);
}

TEST_CASE("enums: task type names round trip and unknown types are user defined", "[unit]") {
  const std::vector<std::pair<TaskType, std::string>> table{
      {TaskType::kSimple, "SIMPLE"},
      {TaskType::kDynamic, "DYNAMIC"},
      {TaskType::kForkJoin, "FORK_JOIN"},
      {TaskType::kForkJoinDynamic, "FORK_JOIN_DYNAMIC"},
      {TaskType::kDecision, "DECISION"},
      {TaskType::kSwitch, "SWITCH"},
      {TaskType::kJoin, "JOIN"},
      {TaskType::kExclusiveJoin, "EXCLUSIVE_JOIN"},
      {TaskType::kDoWhile, "DO_WHILE"},
      {TaskType::kSubWorkflow, "SUB_WORKFLOW"},
      {TaskType::kStartWorkflow, "START_WORKFLOW"},
      {TaskType::kEvent, "EVENT"},
      {TaskType::kWait, "WAIT"},
      {TaskType::kHuman, "HUMAN"},
      {TaskType::kUserDefined, "USER_DEFINED"},
      {TaskType::kHttp, "HTTP"},
      {TaskType::kLambda, "LAMBDA"},
      {TaskType::kInline, "INLINE"},
      {TaskType::kTerminate, "TERMINATE"},
      {TaskType::kKafkaPublish, "KAFKA_PUBLISH"},
      {TaskType::kJsonJqTransform, "JSON_JQ_TRANSFORM"},
      {TaskType::kSetVariable, "SET_VARIABLE"},
      {TaskType::kNoop, "NOOP"},
      {TaskType::kFork, "FORK"},
  };
  for (const auto& [value, name] : table) {
    CHECK(to_string(value) == name);
    CHECK(parse_task_type(name) == value);
  }
  CHECK(parse_task_type("encode_video") == TaskType::kUserDefined);
  CHECK(parse_task_type("simple") == TaskType::kUserDefined);
  CHECK(parse_task_type("") == TaskType::kUserDefined);
}

TEST_CASE("enums: names are case-sensitive and unknown names do not parse", "[unit]") {
  CHECK_FALSE(parse_task_status("completed").has_value());
  CHECK_FALSE(parse_task_status("DONE").has_value());
  CHECK_FALSE(parse_workflow_status("").has_value());
  CHECK_FALSE(parse_retry_logic("Fixed").has_value());
  CHECK_FALSE(parse_event_action_type("START_WORKFLOW").has_value());
  CHECK_FALSE(parse_task_result_status("SCHEDULED").has_value());
}

TEST_CASE("enums: workflow status terminal and successful flags follow Conductor's table", "[unit]") {
  struct Row {
    WorkflowStatus status;
    bool terminal;
    bool successful;
  };
  const std::vector<Row> rows{
      {WorkflowStatus::kRunning, false, false},  {WorkflowStatus::kCompleted, true, true},
      {WorkflowStatus::kFailed, true, false},    {WorkflowStatus::kTimedOut, true, false},
      {WorkflowStatus::kTerminated, true, false}, {WorkflowStatus::kPaused, false, true},
  };
  for (const auto& row : rows) {
    INFO(to_string(row.status));
    CHECK(is_terminal(row.status) == row.terminal);
    CHECK(is_successful(row.status) == row.successful);
  }
}

TEST_CASE("enums: task status terminal, successful and retriable flags follow Conductor's table", "[unit]") {
  struct Row {
    TaskStatus status;
    bool terminal;
    bool successful;
    bool retriable;
  };
  const std::vector<Row> rows{
      {TaskStatus::kInProgress, false, true, true},
      {TaskStatus::kScheduled, false, true, true},
      {TaskStatus::kCompleted, true, true, true},
      {TaskStatus::kCompletedWithErrors, true, true, true},
      {TaskStatus::kSkipped, true, true, false},
      {TaskStatus::kFailed, true, false, true},
      {TaskStatus::kTimedOut, true, false, true},
      {TaskStatus::kFailedWithTerminalError, true, false, false},
      {TaskStatus::kCanceled, true, false, false},
  };
  for (const auto& row : rows) {
    INFO(to_string(row.status));
    CHECK(is_terminal(row.status) == row.terminal);
    CHECK(is_successful(row.status) == row.successful);
    CHECK(is_retriable(row.status) == row.retriable);
  }
}
