#include "tasks/sub_workflow.hpp"

#include <conductor/codec.hpp>
#include <conductor/error.hpp>

#include "decider/decider.hpp"
#include "decider/input_resolver.hpp"
#include "tasks/task_input.hpp"
#include "util/uuid.hpp"

#include <fmt/format.h>

#include <charconv>
#include <optional>

namespace conductor::detail {

namespace {

// A whole number given as a JSON number or as numeric text (expressions resolve to either).
std::optional<int> integer(const Json* value) {
  if (!value) return std::nullopt;
  if (value->is_int64()) return static_cast<int>(value->get_int64());
  if (value->is_uint64()) return static_cast<int>(value->get_uint64());
  if (value->is_double()) return static_cast<int>(value->get_double());
  if (!value->is_string()) return std::nullopt;
  std::string_view text = value->get_string();
  int out = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return out;
}

Json string_map(const std::map<std::string, std::string>& map) {
  JsonObject out;
  for (const auto& [key, value] : map) out[key] = value;
  return out;
}

// Table 1.3: the task follows its child; an ended child hands over its output and, when it did not
// succeed, its reason.
void follow(Task& task, const Workflow& child) {
  switch (child.status) {
    case WorkflowStatus::kRunning:
    case WorkflowStatus::kPaused: task.status = TaskStatus::kInProgress; break;
    case WorkflowStatus::kCompleted: task.status = TaskStatus::kCompleted; break;
    case WorkflowStatus::kFailed: task.status = TaskStatus::kFailed; break;
    case WorkflowStatus::kTerminated: task.status = TaskStatus::kCanceled; break;
    case WorkflowStatus::kTimedOut: task.status = TaskStatus::kTimedOut; break;
  }
  if (!is_terminal(child.status)) return;
  for (const auto& [key, value] : child.output) task.output_data[key] = value;
  if (!is_successful(child.status))
    task.reason_for_incompletion =
        fmt::format("Sub workflow {}.{}/{} failure reason: {}", child.workflow_name(), child.workflow_version(),
                    child.workflow_id, child.reason_for_incompletion.value_or("null"));
}

// The start request the task's input describes (semantics.md §5.11 `start` steps 2-5).
StartWorkflowRequest child_request(const Task& task, const Workflow& parent) {
  const auto& input = task.input_data;
  StartWorkflowRequest request;
  request.name = input_text(input, "subWorkflowName");
  if (const auto* def = input.if_contains("subWorkflowDefinition"); def && !def->is_null()) {
    request.workflow_def = decode<WorkflowDef>(*def);
    request.name = request.workflow_def->name;
  } else if (request.name.empty()) {
    throw ValidationError("SubWorkflow name is null and no workflowDefinition supplied");
  }
  if (auto version = integer(input.if_contains("subWorkflowVersion")); version && *version != 0)
    request.version = *version;

  request.task_to_domain = parent.task_to_domain;
  if (const auto* domains = input.if_contains("subWorkflowTaskToDomain"); domains && domains->is_object()) {
    request.task_to_domain.clear();
    for (const auto& [key, value] : domains->get_object())
      request.task_to_domain[key] = input_text(domains->get_object(), key);
  }

  const auto* given = input.if_contains("workflowInput");
  JsonObject child_input = given && given->is_object() && !given->get_object().empty() ? given->get_object() : input;
  if (request.workflow_def) {
    // Marks a child built from an inline definition.
    auto& metadata = child_input["_systemMetadata"];
    if (!metadata.is_object()) metadata = JsonObject{};
    metadata.get_object()["dynamic"] = true;
  }
  request.input = std::move(child_input);
  request.correlation_id = parent.correlation_id;
  if (auto priority = integer(input.if_contains("priority"))) request.priority = *priority;
  if (const auto* key = input.if_contains("idempotencyKey"); key && !key->is_null())
    request.idempotency_key = input_text(input, "idempotencyKey");
  request.idempotency_strategy = parse_idempotency_strategy(input_text(input, "idempotencyStrategy"));
  return request;
}

}  // namespace

std::vector<Task> SubWorkflowTask::map(const MapperContext& context) const {
  const auto& node = context.node;
  if (!node.sub_workflow_param)
    throw TerminateWorkflow{{WorkflowStatus::kFailed,
                             fmt::format("Task {} is defined as sub-workflow and is missing subWorkflowParams. Please "
                                         "check the workflow definition",
                                         node.name),
                             {}, {}}};
  const auto& params = *node.sub_workflow_param;
  JsonObject raw;
  raw["name"] = params.name ? Json(*params.name) : Json();
  if (params.version) raw["version"] = *params.version;
  if (params.task_to_domain) raw["taskToDomain"] = string_map(*params.task_to_domain);
  raw["priority"] = params.priority.value_or(Json());
  raw["idempotencyKey"] = params.idempotency_key ? Json(*params.idempotency_key) : Json();
  raw["idempotencyStrategy"] = params.idempotency_strategy ? Json(to_string(*params.idempotency_strategy)) : Json();
  JsonObject resolved = context.inputs.resolve(raw);

  Json name = resolved["name"];
  Json version = resolved.contains("version") ? resolved["version"] : Json();
  Json definition;
  if (params.workflow_definition && params.workflow_definition->is_object()) {
    // An inline definition names the child and its version itself.
    definition = *params.workflow_definition;
    const auto& def = definition.get_object();
    name = def.contains("name") ? def.at("name") : Json();
    version = def.contains("version") ? def.at("version") : Json(1);
  } else if (params.workflow_definition) {
    definition = context.inputs.resolve_value(*params.workflow_definition);
  }
  const auto* domains = resolved.if_contains("taskToDomain");

  Task task = context.new_task(type());
  task.input_data["subWorkflowName"] = name;
  task.input_data["subWorkflowVersion"] = version;
  task.input_data["subWorkflowTaskToDomain"] = domains && domains->is_object() ? *domains : Json();
  task.input_data["subWorkflowDefinition"] = definition;
  task.input_data["priority"] = resolved["priority"];
  task.input_data["idempotencyKey"] = resolved["idempotencyKey"];
  task.input_data["idempotencyStrategy"] = resolved["idempotencyStrategy"];
  task.input_data["workflowInput"] = context.context_input();
  task.status = TaskStatus::kScheduled;
  task.callback_after_seconds = node.start_delay;
  if (auto priority = integer(resolved.if_contains("priority"))) task.workflow_priority = *priority;
  return {std::move(task)};
}

void SubWorkflowTask::start(Task& task, SystemTaskContext& context) const {
  // A task that already left SCHEDULED has its child; starting again would make another.
  if (task.status != TaskStatus::kScheduled) return;
  const Workflow& parent = context.workflow;
  std::string name = input_text(task.input_data, "subWorkflowName");
  try {
    StartWorkflowRequest request = child_request(task, parent);
    name = request.name;
    ChildLink link{name_uuid(fmt::format("subworkflow:{}:{}:{}", parent.workflow_id, task.task_id, task.retry_count)),
                   parent.workflow_id, task.task_id};
    std::string id = context.effects.start_workflow(request, &link);
    auto child = context.effects.find_workflow(id);
    if (child && is_terminal(child->status) && !is_successful(child->status)) {
      // The id was used by an earlier generation of this task (a rerun): start a fresh child.
      link.workflow_id = new_uuid();
      id = context.effects.start_workflow(request, &link);
      child = context.effects.find_workflow(id);
    }
    task.sub_workflow_id = id;
    task.output_data["subWorkflowId"] = id;
    if (child) follow(task, *child);
  } catch (const UnavailableError& e) {
    // Transient: the task stays SCHEDULED and is started again at its next delivery.
    task.reason_for_incompletion = fmt::format("Transient error starting sub workflow {}: {}", name, e.what());
    task.output_data["subWorkflowLaunchError"] = e.what();
  } catch (const StorageError&) {
    // The storage failed, not the request: the whole change fails and keeps nothing, the task included.
    throw;
  } catch (const Error& e) {
    task.status = TaskStatus::kFailed;
    task.reason_for_incompletion = e.what();
  }
}

bool SubWorkflowTask::execute(Task& task, SystemTaskContext& context) const {
  if (!task.sub_workflow_id) return false;
  auto child = context.effects.find_workflow(*task.sub_workflow_id);
  if (!child || !is_terminal(child->status)) return false;
  follow(task, *child);
  return true;
}

void SubWorkflowTask::cancel(Task& task, SystemTaskContext& context) const {
  task.status = TaskStatus::kCanceled;
  if (!task.sub_workflow_id) return;
  auto child = context.effects.find_workflow(*task.sub_workflow_id);
  if (!child || is_terminal(child->status)) return;
  const Workflow& parent = context.workflow;
  const bool has_reason = parent.reason_for_incompletion && !parent.reason_for_incompletion->empty();
  std::string reason = has_reason
                           ? "Parent workflow has been terminated with reason: " + *parent.reason_for_incompletion
                           : fmt::format("Parent workflow has been terminated with status {}", to_string(parent.status));
  context.effects.terminate_workflow(*task.sub_workflow_id, reason);
}

bool SubWorkflowTask::repair(Task& task, SystemTaskContext& context) const {
  return task.status == TaskStatus::kInProgress && execute(task, context);
}

std::optional<std::string> SubWorkflowTask::child_pinned_at_start(const WorkflowTask& node) const {
  const auto& params = node.sub_workflow_param;
  if (!params || params->version || !params->name) return std::nullopt;
  if (params->name->find("${") != std::string::npos) return std::nullopt;
  if (params->workflow_definition && params->workflow_definition->is_object()) return std::nullopt;
  return params->name;
}

}  // namespace conductor::detail
