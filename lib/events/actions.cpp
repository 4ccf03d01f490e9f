#include "events/actions.hpp"

#include <conductor/codec.hpp>
#include <conductor/error.hpp>

#include "decider/parameters.hpp"
#include "executor/change.hpp"
#include "executor/workflow_ops.hpp"

#include <fmt/format.h>

namespace conductor::detail {

namespace {

constexpr std::string_view kMessageIdKey = "conductor.event.messageId";
constexpr std::string_view kEventNameKey = "conductor.event.name";

Json optional_text(const std::optional<std::string>& value) { return value ? Json(*value) : Json(); }

std::optional<std::string> text_of(const JsonObject& object, std::string_view key) {
  const Json* value = object.if_contains(key);
  if (!value || !value->is_string() || value->as_string().empty()) return std::nullopt;
  return std::string(value->as_string());
}

// Java's string form of a value that may be missing, for Conductor's messages.
std::string or_null(const std::optional<std::string>& value) { return value.value_or("null"); }

JsonObject task_details(const std::optional<EventTaskDetails>& details) {
  JsonObject input;
  if (!details) return input;
  input["workflowId"] = optional_text(details->workflow_id);
  input["taskId"] = optional_text(details->task_id);
  input["taskRefName"] = optional_text(details->task_ref_name);
  input["reasonForIncompletion"] = optional_text(details->reason_for_incompletion);
  for (const auto& [key, value] : details->output) input[key] = value;
  return input;
}

JsonObject parameters_of(const EventAction& action) {
  JsonObject input;
  switch (action.action.value_or(EventActionType::kStartAgent)) {
    case EventActionType::kStartWorkflow:
      if (action.start_workflow) {
        input["input"] = action.start_workflow->input;
        // The payload's taskToDomain (an EVENT task's message carries its workflow's) is used when
        // the action names none.
        input["taskToDomain"] = "${taskToDomain}";
        if (action.start_workflow->correlation_id) input["correlationId"] = *action.start_workflow->correlation_id;
      }
      break;
    case EventActionType::kCompleteTask:
      return task_details(action.complete_task);
    case EventActionType::kFailTask:
      return task_details(action.fail_task);
    case EventActionType::kTerminateWorkflow:
      if (action.terminate_workflow) {
        input["workflowId"] = optional_text(action.terminate_workflow->workflow_id);
        input["terminationReason"] = optional_text(action.terminate_workflow->termination_reason);
      }
      break;
    case EventActionType::kUpdateWorkflowVariables:
      if (action.update_workflow_variables) {
        input["workflowId"] = optional_text(action.update_workflow_variables->workflow_id);
        input["variables"] = action.update_workflow_variables->variables;
      }
      break;
    case EventActionType::kStartAgent:
      break;
  }
  return input;
}

}  // namespace

Json expand_inline_json(const Json& value) {
  if (value.is_object()) {
    JsonObject out;
    for (const auto& [key, item] : value.as_object()) out[key] = expand_inline_json(item);
    return out;
  }
  if (value.is_array()) {
    JsonArray out;
    for (const auto& item : value.as_array()) out.push_back(expand_inline_json(item));
    return out;
  }
  if (value.is_string()) {
    std::string_view text = value.as_string();
    if (text.starts_with('{') || text.starts_with('[')) {
      try {
        return expand_inline_json(parse_json_text(text));
      } catch (const ValidationError&) {
        // Not JSON after all: the text stays as it is.
      }
    }
  }
  return value;
}

PreparedAction::PreparedAction(const EventAction& action, const Json& payload, const EventMessage& message)
    : action_(action), message_(message) {
  const ParameterContext context(action.expand_inline_json ? expand_inline_json(payload) : payload);
  resolved_ = resolve(parameters_of(action), context, {});
  workflow_id_ = text_of(resolved_, "workflowId");
}

JsonObject PreparedAction::apply(Change& change, WorkflowOps& ops) const {
  switch (action_.action.value_or(EventActionType::kStartAgent)) {
    case EventActionType::kStartWorkflow:
      return start_workflow(change, ops);
    case EventActionType::kCompleteTask:
      return update_task(change, ops, false);
    case EventActionType::kFailTask:
      return update_task(change, ops, true);
    case EventActionType::kTerminateWorkflow:
      return terminate_workflow(change, ops);
    case EventActionType::kUpdateWorkflowVariables:
      return update_variables(change, ops);
    case EventActionType::kStartAgent:
      break;
  }
  throw ValidationError(fmt::format("Action not supported {} for event {}",
                                    action_.action ? to_string(*action_.action) : "null", message_.event));
}

JsonObject PreparedAction::start_workflow(Change& change, WorkflowOps& ops) const {
  const EventStartWorkflow& params = action_.start_workflow.value();
  StartWorkflowRequest request;
  request.name = params.name.value_or("");
  request.version = params.version;
  request.correlation_id = text_of(resolved_, "correlationId");
  JsonObject input = resolved_.at("input").as_object();
  input[kMessageIdKey] = message_.message_id;
  input[kEventNameKey] = message_.event;
  request.input = std::move(input);
  if (params.task_to_domain) {
    request.task_to_domain = *params.task_to_domain;
  } else if (const Json* domains = resolved_.if_contains("taskToDomain"); domains && domains->is_object()) {
    for (const auto& [task, domain] : domains->as_object())
      if (domain.is_string()) request.task_to_domain[task] = std::string(domain.as_string());
  }
  request.event = message_.event;
  return JsonObject{{"workflowId", ops.start(change, request)}};
}

JsonObject PreparedAction::update_task(Change& change, WorkflowOps& ops, bool failed) const {
  JsonObject output = resolved_;
  const auto task_id = text_of(resolved_, "taskId");
  const auto ref = text_of(resolved_, "taskRefName");
  std::optional<Task> task;
  if (task_id) {
    task = change.find_task(*task_id);
  } else if (workflow_id_ && ref) {
    auto wf = change.find_workflow(*workflow_id_, true);
    if (!wf) {
      output["error"] = "No workflow found with ID: " + *workflow_id_;
      return output;
    }
    // The newest task of that reference, a loop's latest iteration included.
    for (const Task& t : wf->tasks)
      if (strip_iteration_suffix(t.reference_task_name) == *ref && (!task || t.iteration >= task->iteration)) task = t;
  }
  if (!task) {
    output["error"] = fmt::format("No task found with taskId: {}, reference name: {}, workflowId: {}",
                                  or_null(task_id), or_null(ref), or_null(workflow_id_));
    return output;
  }
  TaskResult result;
  result.workflow_instance_id = task->workflow_instance_id;
  result.task_id = task->task_id;
  result.status = failed ? TaskResultStatus::kFailed : TaskResultStatus::kCompleted;
  result.output_data = resolved_;
  result.output_data[kMessageIdKey] = message_.message_id;
  result.output_data[kEventNameKey] = message_.event;
  if (failed) result.reason_for_incompletion = text_of(resolved_, "reasonForIncompletion");
  ops.update_task(change, result);
  return output;
}

JsonObject PreparedAction::terminate_workflow(Change& change, WorkflowOps& ops) const {
  if (!workflow_id_) throw ValidationError("terminate_workflow: workflowId is missing");
  ops.terminate(change, *workflow_id_, text_of(resolved_, "terminationReason").value_or(""));
  return JsonObject{{"workflowId", *workflow_id_}};
}

JsonObject PreparedAction::update_variables(Change& change, WorkflowOps& ops) const {
  if (!workflow_id_) throw ValidationError("update_workflow_variables: workflowId is missing");
  Workflow wf = ops.load(change, *workflow_id_);
  const bool append = action_.update_workflow_variables && action_.update_workflow_variables->append_array;
  for (const auto& [key, value] : resolved_.at("variables").as_object()) {
    Json* existing = wf.variables.if_contains(key);
    if (append && existing && existing->is_array()) {
      if (value.is_array()) {
        for (const auto& item : value.as_array()) existing->as_array().push_back(item);
      } else {
        existing->as_array().push_back(value);
      }
    } else {
      wf.variables[key] = value;
    }
  }
  change.update_workflow(wf);
  return JsonObject{{"workflowId", *workflow_id_}};
}

}  // namespace conductor::detail
