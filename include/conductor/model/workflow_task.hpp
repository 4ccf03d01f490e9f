#pragma once

#include <conductor/model/task_def.hpp>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace conductor {

struct WorkflowTask;

/// SUB_WORKFLOW parameters. `workflow_definition` is kept as raw JSON because it is either an inline
/// WorkflowDef object or an expression string (`${...}`) resolved at run time.
struct SubWorkflowParams {
  std::optional<std::string> name;
  std::optional<int> version;
  std::optional<std::map<std::string, std::string>> task_to_domain;
  std::optional<Json> workflow_definition;
  std::optional<std::string> idempotency_key;
  std::optional<IdempotencyStrategy> idempotency_strategy;
  std::optional<Json> priority;

  bool operator==(const SubWorkflowParams&) const = default;
};

struct StateChangeEvent {
  std::string type;
  JsonObject payload;

  bool operator==(const StateChangeEvent&) const = default;
};

/// Branches of a SWITCH/DECISION in the order they were written (Conductor keeps map insertion order,
/// and next-task resolution walks the cases in that order).
using DecisionCases = std::vector<std::pair<std::string, std::vector<WorkflowTask>>>;

/// One node of a workflow definition. Every field of every task type lives here, as in Conductor;
/// which ones matter depends on `type`.
struct WorkflowTask {
  std::string name;
  std::string task_reference_name;
  std::optional<std::string> description;
  std::string type = "SIMPLE";
  JsonObject input_parameters;
  int start_delay = 0;
  bool optional = false;
  std::optional<int> retry_count;
  bool async_complete = false;
  std::optional<bool> rate_limited;
  bool permissive = false;
  std::optional<TaskDef> task_definition;
  std::optional<std::string> dynamic_task_name_param;
  std::optional<std::string> case_value_param;
  std::optional<std::string> case_expression;
  std::optional<std::string> script_expression;
  std::optional<std::string> evaluator_type;
  std::optional<std::string> expression;
  DecisionCases decision_cases;
  std::vector<WorkflowTask> default_case;
  std::vector<std::vector<WorkflowTask>> fork_tasks;
  std::vector<std::string> join_on;
  std::optional<std::string> join_status;
  std::optional<JoinMode> join_mode;
  std::vector<std::string> default_exclusive_join_task;
  std::optional<std::string> dynamic_fork_tasks_param;
  std::optional<std::string> dynamic_fork_tasks_input_param_name;
  std::optional<std::string> dynamic_fork_join_tasks_param;
  std::optional<std::string> loop_condition;
  std::vector<WorkflowTask> loop_over;
  std::optional<std::string> items;
  std::optional<SubWorkflowParams> sub_workflow_param;
  std::optional<std::string> sink;
  std::map<std::string, std::vector<StateChangeEvent>> on_state_change;
  std::optional<CacheConfig> cache_config;
  JsonObject metadata;

  bool operator==(const WorkflowTask&) const = default;
};

}  // namespace conductor
