#include "metadata_validation.hpp"

#include <conductor/codec.hpp>

#include "decider/jsonpath.hpp"
#include "events/status_events.hpp"
#include "script/javascript.hpp"
#include "util/date_time.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <set>
#include <utility>

namespace conductor::detail {
namespace {

void add(std::vector<FieldViolation>& out, std::string path, std::string message, std::string invalid_value = {}) {
  out.push_back({std::move(path), std::move(message), std::move(invalid_value)});
}

bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\n\v\f\r") == std::string_view::npos; }

/// Java's `toString()` of an input value as WAIT reads it: strings verbatim, null as empty.
std::string as_text(const Json* value) {
  if (value == nullptr || value->is_null()) return {};
  if (value->is_string()) return std::string(value->get_string());
  return boost::json::serialize(*value);
}

/// The `${...}` bodies Conductor's ConstraintParamUtil finds in a string: the text is cut before
/// every `${` not preceded by `$` and after every `}`, and a piece is an expression when it starts
/// with `${` and ends with `}`. A nested expression therefore checks only its innermost part.
std::vector<std::string_view> expression_bodies(std::string_view text) {
  std::vector<std::string_view> bodies;
  std::size_t start = 0;
  auto take = [&](std::size_t end) {
    std::string_view piece = text.substr(start, end - start);
    if (piece.size() >= 3 && piece.substr(0, 2) == "${" && piece.back() == '}') {
      bodies.push_back(piece.substr(2, piece.size() - 3));
    }
    start = end;
  };
  for (std::size_t i = 1; i < text.size(); ++i) {
    bool opens = text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{' && text[i - 1] != '$';
    if (opens || text[i - 1] == '}') take(i);
  }
  take(text.size());
  return bodies;
}

/// Conductor's system parameters, or a name the environment lookup knows.
bool is_environment_name(std::string_view name, const EnvironmentLookup& environment) {
  if (name == "CPEWF_TASK_ID" || name == "NETFLIX_ENV" || name == "NETFLIX_STACK") return true;
  return environment.get(name).has_value();
}

void check_owner_email(const std::optional<std::string>& owner_email, const std::string& path,
                       const MetadataOptions& options, std::vector<FieldViolation>& out) {
  if (options.owner_email_mandatory && (!owner_email || owner_email->empty())) {
    add(out, path + ".ownerEmail", "ownerEmail cannot be empty");
  }
}

/// Walks one workflow definition. Nodes are visited the way Conductor's `collectTasks` does: the
/// cases of DECISION/SWITCH, the branches of FORK_JOIN and the body of DO_WHILE.
class WorkflowChecker {
 public:
  WorkflowChecker(const WorkflowDef& def, const std::string& path, const DefinitionContext& context,
                  std::vector<FieldViolation>& out)
      : def_(def), path_(path), context_(context), out_(out) {}

  void run() {
    if (def_.name.empty()) add(out_, path_ + ".name", "WorkflowDef name cannot be null or empty");
    if (def_.tasks.empty()) add(out_, path_ + ".tasks", "WorkflowTask list cannot be empty");
    if (def_.schema_version != 2) {
      add(out_, path_ + ".schemaVersion", "workflowDef schemaVersion: 2 is only supported",
          std::to_string(def_.schema_version));
    }
    check_owner_email(def_.owner_email, path_, context_.options, out_);
    // A sink the engine cannot publish to would silently drop every status event.
    if (def_.workflow_status_listener_enabled && def_.workflow_status_listener_sink &&
        !def_.workflow_status_listener_sink->empty() && !is_status_sink(*def_.workflow_status_listener_sink)) {
      add(out_, path_ + ".workflowStatusListenerSink",
          "workflowStatusListenerSink must be conductor:<queue>: no other event queue provider is available",
          *def_.workflow_status_listener_sink);
    }

    collect(def_.tasks, path_ + ".tasks");
    const std::int64_t max_tasks = context_.limits.max_tasks_per_workflow;
    if (nodes_.size() > static_cast<std::size_t>(max_tasks)) {
      add(out_, path_ + ".tasks",
          fmt::format("The definition has {} task nodes, more than the limit of {} tasks per workflow", nodes_.size(),
                      max_tasks),
          std::to_string(nodes_.size()));
    }
    for (const auto& [node, node_path] : nodes_) check_node(*node, node_path);
    check_unique_references();
    for (const WorkflowTask& task : def_.tasks) check_input_references(task, task.input_parameters);
  }

 private:
  void collect(const std::vector<WorkflowTask>& tasks, const std::string& path) {
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      const WorkflowTask& task = tasks[i];
      std::string node_path = fmt::format("{}[{}]", path, i);
      nodes_.emplace_back(&task, node_path);
      if (!task.task_reference_name.empty()) references_.insert(task.task_reference_name);
      switch (parse_task_type(task.type)) {
        case TaskType::kDecision:
        case TaskType::kSwitch:
          for (const auto& [case_value, branch] : task.decision_cases) {
            collect(branch, fmt::format("{}.decisionCases[{}]", node_path, case_value));
          }
          collect(task.default_case, node_path + ".defaultCase");
          break;
        case TaskType::kForkJoin:
          for (std::size_t b = 0; b < task.fork_tasks.size(); ++b) {
            collect(task.fork_tasks[b], fmt::format("{}.forkTasks[{}]", node_path, b));
          }
          break;
        case TaskType::kDoWhile:
          collect(task.loop_over, node_path + ".loopOver");
          break;
        default:
          break;
      }
    }
  }

  void check_node(const WorkflowTask& task, const std::string& path) {
    if (task.name.empty()) add(out_, path + ".name", "WorkflowTask name cannot be empty or null");
    if (task.task_reference_name.empty()) {
      add(out_, path + ".taskReferenceName", "WorkflowTask taskReferenceName name cannot be empty or null");
    }
    if (task.start_delay < 0) {
      add(out_, path + ".startDelay", "must be greater than or equal to 0", std::to_string(task.start_delay));
    }
    if (task.sub_workflow_param && !task.sub_workflow_param->workflow_definition) {
      const auto& name = task.sub_workflow_param->name;
      if (!name) add(out_, path + ".subWorkflowParam.name", "SubWorkflowParams name cannot be null");
      if (!name || name->empty()) add(out_, path + ".subWorkflowParam.name", "SubWorkflowParams name cannot be empty");
    }
    check_type_rules(task, path);
  }

  /// "F field is required for taskType: T taskName: N"
  void require(const WorkflowTask& task, const std::string& path, std::string_view field, std::string_view type) {
    add(out_, path, fmt::format("{} field is required for taskType: {} taskName: {}", field, type, task.name));
  }

  void require_at_least_one(const WorkflowTask& task, const std::string& path, std::string_view field,
                            std::string_view type) {
    add(out_, path, fmt::format("{} should have atleast one task for taskType: {} taskName: {}", field, type, task.name));
  }

  /// The node's inline definition, else the registered one of its name.
  std::optional<TaskDef> task_def_of(const WorkflowTask& task) const {
    if (task.task_definition) return task.task_definition;
    return context_.find_task_def(task.name);
  }

  /// An input key the node sets itself or inherits from its task definition's input template.
  bool has_input(const WorkflowTask& task, std::string_view key) const {
    if (task.input_parameters.contains(key)) return true;
    auto def = task_def_of(task);
    return def && def->input_template.contains(key);
  }

  void check_type_rules(const WorkflowTask& task, const std::string& path) {
    const std::string& type = task.type;
    switch (parse_task_type(type)) {
      case TaskType::kEvent:
        if (!task.sink) require(task, path, "sink", type);
        break;
      case TaskType::kDecision:
        if (!task.case_value_param && !task.case_expression) {
          require(task, path, "caseValueParam or caseExpression", type);
        }
        if (task.decision_cases.empty()) require_at_least_one(task, path, "decisionCases", type);
        if (task.case_expression) check_script(task, path, *task.case_expression);
        break;
      case TaskType::kSwitch:
        if (!task.evaluator_type) {
          require(task, path, "evaluatorType", type);
        } else if (!task.expression) {
          require(task, path, "expression", type);
        }
        if (task.decision_cases.empty()) require_at_least_one(task, path, "decisionCases", type);
        if (task.evaluator_type == "javascript" && task.expression) check_script(task, path, *task.expression);
        break;
      case TaskType::kDynamic:
        if (!task.dynamic_task_name_param) require(task, path, "dynamicTaskNameParam", type);
        break;
      case TaskType::kForkJoinDynamic:
        check_dynamic_fork(task, path);
        break;
      case TaskType::kHttp:
        if (!task.input_parameters.contains("uri") && !task.input_parameters.contains("method") &&
            !has_input(task, "http_request")) {
          require(task, path, "inputParameters.http_request", type);
        }
        break;
      case TaskType::kForkJoin:
        if (task.fork_tasks.empty()) require_at_least_one(task, path, "forkTasks", type);
        if (task.fork_tasks.size() > static_cast<std::size_t>(context_.limits.max_fork_branches)) {
          add(out_, path + ".forkTasks",
              fmt::format("FORK_JOIN task {} has {} branches, more than the limit of {} fork branches",
                          task.task_reference_name, task.fork_tasks.size(), context_.limits.max_fork_branches),
              std::to_string(task.fork_tasks.size()));
        }
        break;
      case TaskType::kTerminate:
        check_terminate(task, path);
        break;
      case TaskType::kKafkaPublish:
        if (!has_input(task, "kafka_request")) require(task, path, "inputParameters.kafka_request", type);
        break;
      case TaskType::kDoWhile:
        if (!task.loop_condition) require(task, path, "loopCondition", type);
        if (task.loop_over.empty()) require(task, path, "loopOver", type);
        break;
      case TaskType::kSubWorkflow:
        if (!task.sub_workflow_param) require(task, path, "subWorkflowParam", type);
        break;
      case TaskType::kJsonJqTransform:
        if (!has_input(task, "queryExpression")) require(task, path, "inputParameters.queryExpression", type);
        break;
      case TaskType::kWait:
        check_wait(task, path);
        break;
      case TaskType::kSimple:
        if (context_.options.task_def_mandatory) require_task_def(task, path);
        break;
      case TaskType::kUserDefined:
        require_task_def(task, path);
        break;
      default:
        break;
    }
  }

  /// Conductor runs the script over the unresolved input parameters and reports any exception; only
  /// the syntax is checked here, so a script that needs real input is not refused.
  void check_script(const WorkflowTask& task, const std::string& path, const std::string& script) {
    if (auto error = javascript_syntax_error(script)) {
      add(out_, path,
          fmt::format("Expression is not well formatted: {}, taskType: {} taskName {}", *error, task.type, task.name));
    }
  }

  void require_task_def(const WorkflowTask& task, const std::string& path) {
    if (!task.name.empty() && !task_def_of(task)) {
      add(out_, path, fmt::format("workflowTask: {} task definition is not defined", task.name));
    }
  }

  /// Three forms: `inputParameters.forkTaskInputs`, the legacy `dynamicForkJoinTasksParam` alone, or
  /// the pair `dynamicForkTasksParam` + `dynamicForkTasksInputParamName`. Mixing legacy and pair fails.
  void check_dynamic_fork(const WorkflowTask& task, const std::string& path) {
    bool legacy = task.dynamic_fork_join_tasks_param.has_value();
    if (legacy && (task.dynamic_fork_tasks_param || task.dynamic_fork_tasks_input_param_name)) {
      add(out_, path,
          fmt::format("dynamicForkJoinTasksParam or combination of dynamicForkTasksInputParamName and "
                      "dynamicForkTasksParam cam be used for taskType: {} taskName: {}",
                      task.type, task.name));
      return;
    }
    if (legacy || task.input_parameters.contains("forkTaskInputs")) return;
    if (!task.dynamic_fork_tasks_param) require(task, path, "dynamicForkTasksParam", task.type);
    if (!task.dynamic_fork_tasks_input_param_name) require(task, path, "dynamicForkTasksInputParamName", task.type);
  }

  void check_terminate(const WorkflowTask& task, const std::string& path) {
    if (task.optional) add(out_, path, fmt::format("terminate task cannot be optional, taskName: {}", task.name));
    const Json* status = task.input_parameters.if_contains("terminationStatus");
    std::string text = as_text(status);
    if (status == nullptr || status->is_null() || (text != "COMPLETED" && text != "FAILED" && text != "TERMINATED")) {
      add(out_, path,
          fmt::format("terminate task must have an terminationStatus parameter and must be set to COMPLETED or "
                      "FAILED, taskName: {}",
                      task.name));
    }
  }

  /// A literal (not `${...}`) duration or until must parse; only the duration is checked when both
  /// are present, as in Conductor.
  void check_wait(const WorkflowTask& task, const std::string& path) {
    std::string duration = as_text(task.input_parameters.if_contains("duration"));
    std::string until = as_text(task.input_parameters.if_contains("until"));
    auto literal = [](const std::string& s) { return !is_blank(s) && s.rfind("${", 0) != 0; };
    if (!is_blank(duration) && !is_blank(until)) {
      add(out_, path, "Both 'duration' and 'until' specified. Please provide only one input");
    }
    if (!is_blank(duration)) {
      // Conductor reports an unparsable duration through its "null" branch; the text is kept as is.
      if (literal(duration) && !parse_duration_seconds(duration)) {
        add(out_, path, "Either date or duration is passed as null ");
      }
    } else if (literal(until) && !parse_date_time_ms(until)) {
      add(out_, path, "Unable to parse date ");
    }
  }

  void check_unique_references() {
    std::set<std::string_view> seen;
    for (const auto& [node, node_path] : nodes_) {
      const std::string& ref = node->task_reference_name;
      if (ref.empty() || seen.insert(ref).second) continue;
      add(out_, path_,
          fmt::format("taskReferenceName: {} should be unique across tasks for a given workflowDefinition: {}", ref,
                      def_.name));
    }
  }

  /// Every `${...}` in a top-level node's input must be a JSONPath starting at `workflow`, at a task
  /// reference of this definition, or naming an environment variable. Lists report their own key.
  void check_input_references(const WorkflowTask& task, const JsonObject& input) {
    for (const auto& [key, value] : input) check_input_value(task, key, value);
  }

  void check_input_value(const WorkflowTask& task, std::string_view key, const Json& value) {
    if (value.is_string()) {
      check_input_string(task, key, value.get_string());
    } else if (value.is_object()) {
      check_input_references(task, value.get_object());
    } else if (value.is_array()) {
      for (const Json& element : value.get_array()) check_input_value(task, key, element);
    }
  }

  void check_input_string(const WorkflowTask& task, std::string_view key, std::string_view text) {
    for (std::string_view body : expression_bodies(text)) {
      if (!JsonPath(body).valid()) {
        add(out_, path_, fmt::format("key: {} input parameter value: {} is not valid", key, body));
        continue;
      }
      if (is_environment_name(body, context_.environment)) continue;
      std::string_view root = body.substr(0, body.find('.'));
      if (root == "workflow" || references_.count(root) > 0) continue;
      add(out_, path_,
          fmt::format("taskReferenceName: {} for given task: {} input value: {} of input parameter: {} is not "
                      "defined in workflow definition.",
                      root, task.name, key, text));
    }
  }

  const WorkflowDef& def_;
  const std::string& path_;
  const DefinitionContext& context_;
  std::vector<FieldViolation>& out_;
  std::vector<std::pair<const WorkflowTask*, std::string>> nodes_;
  std::set<std::string, std::less<>> references_;
};

}  // namespace

void check_task_def(const TaskDef& def, const std::string& path, const MetadataOptions& options,
                    std::vector<FieldViolation>& out) {
  if (def.name.empty()) add(out, path + ".name", "TaskDef name cannot be null or empty");
  if (def.retry_count < 0) {
    add(out, path + ".retryCount", "TaskDef retryCount: 0 must be >= 0", std::to_string(def.retry_count));
  }
  if (def.response_timeout_seconds < 1) {
    add(out, path + ".responseTimeoutSeconds",
        fmt::format("TaskDef responseTimeoutSeconds: {} should be minimum 1 second", def.response_timeout_seconds),
        std::to_string(def.response_timeout_seconds));
  }
  if (def.poll_timeout_seconds && *def.poll_timeout_seconds < 0) {
    add(out, path + ".pollTimeoutSeconds", "TaskDef pollTimeoutSeconds: 0 must be >= 0",
        std::to_string(*def.poll_timeout_seconds));
  }
  if (def.backoff_scale_factor < 1) {
    add(out, path + ".backoffScaleFactor", "Backoff scale factor. Applicable for LINEAR_BACKOFF",
        std::to_string(def.backoff_scale_factor));
  }
  if (def.max_retry_delay_seconds < 0) {
    add(out, path + ".maxRetryDelaySeconds", "TaskDef maxRetryDelaySeconds: 0 must be >= 0",
        std::to_string(def.max_retry_delay_seconds));
  }
  if (def.backoff_jitter_ms < 0) {
    add(out, path + ".backoffJitterMs", "TaskDef backoffJitterMs: 0 must be >= 0",
        std::to_string(def.backoff_jitter_ms));
  }
  if (def.total_timeout_seconds < 0) {
    add(out, path + ".totalTimeoutSeconds", "TaskDef totalTimeoutSeconds: 0 must be >= 0",
        std::to_string(def.total_timeout_seconds));
  }
  check_owner_email(def.owner_email, path, options, out);
  if (def.timeout_seconds > 0 && def.response_timeout_seconds > def.timeout_seconds) {
    add(out, path,
        fmt::format("TaskDef: {} responseTimeoutSeconds: {} must be less than timeoutSeconds: {}", def.name,
                    def.response_timeout_seconds, def.timeout_seconds));
  }
  if (def.timeout_seconds > 0 && def.total_timeout_seconds > 0 && def.timeout_seconds > def.total_timeout_seconds) {
    add(out, path,
        fmt::format("TaskDef: {} timeoutSeconds: {} must be less than or equal to totalTimeoutSeconds: {}", def.name,
                    def.timeout_seconds, def.total_timeout_seconds));
  }
}

void check_workflow_def(const WorkflowDef& def, const std::string& path, const DefinitionContext& context,
                        std::vector<FieldViolation>& out) {
  // Measured first: checking a definition costs in proportion to its size.
  std::string text;
  append_json(text, def);
  const auto bytes = static_cast<std::int64_t>(text.size());
  const std::int64_t max_bytes = context.limits.max_workflow_def_kb * 1024;
  if (bytes > max_bytes) {
    throw TooLargeError(fmt::format("The workflow definition {} is {} bytes, more than the limit of {} bytes",
                                    def.name, bytes, max_bytes));
  }
  WorkflowChecker(def, path, context, out).run();
}

void check_event_handler(const EventHandler& handler, const std::string& path, std::vector<FieldViolation>& out) {
  if (handler.name.empty()) add(out, path + ".name", "Missing event handler name");
  if (handler.event.empty()) add(out, path + ".event", "Missing event location");
  if (handler.actions.empty()) add(out, path + ".actions", "No actions specified. Please specify at-least one action");
  // Refused here rather than stored and then failing at every event.
  for (std::size_t i = 0; i < handler.actions.size(); ++i) {
    const auto& action = handler.actions[i].action;
    const std::string at = fmt::format("{}.actions[{}].action", path, i);
    if (!action) {
      add(out, at, "Missing action type");
    } else if (*action == EventActionType::kStartAgent) {
      add(out, at, "The start_agent action is not supported");
    }
  }
}

void throw_if_any(std::vector<FieldViolation> violations) {
  if (!violations.empty()) throw ValidationError(std::move(violations));
}

void validate_workflow_def(const WorkflowDef& def, const std::string& path, const DefinitionContext& context) {
  std::vector<FieldViolation> violations;
  check_workflow_def(def, path, context, violations);
  throw_if_any(std::move(violations));
}

}  // namespace conductor::detail
