#include "tasks/fork_join_dynamic.hpp"

#include <conductor/codec.hpp>

#include "decider/decider.hpp"
#include "decider/java_text.hpp"
#include "decider/navigation.hpp"
#include "tasks/fork_join.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace conductor::detail {

namespace {

// The forked nodes and, per reference name, the input their own inputParameters are extended with.
struct Forks {
  std::vector<WorkflowTask> nodes;
  JsonObject inputs;
};

[[noreturn]] void fail(std::string reason) {
  throw TerminateWorkflow{{WorkflowStatus::kFailed, std::move(reason), {}, {}}};
}

std::string text_of(const Json* value) { return value ? java_text(*value) : "null"; }

std::optional<std::string> string_at(const JsonObject& input, std::string_view key) {
  const Json* v = input.if_contains(key);
  return v && v->is_string() ? std::optional<std::string>(v->get_string()) : std::nullopt;
}

// Java's Integer.parseInt: an optional sign and decimal digits, nothing else.
std::optional<int> parse_int(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  const char* begin = text->data();
  const char* end = begin + text->size();
  if (*begin == '+' && end - begin > 1 && begin[1] != '-') ++begin;
  int value = 0;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

void attach_registered_def(const MapperContext& context, WorkflowTask& node) {
  if (!node.task_definition && !node.name.empty() && context.find_task_def)
    node.task_definition = context.find_task_def(node.name);
}

// `forkTaskInputs`: the same task (or sub-workflow) once per item of the list.
std::optional<Forks> same_task_forks(const MapperContext& context, const JsonObject& input) {
  const Json* items = input.if_contains("forkTaskInputs");
  if (!items || !items->is_array()) return std::nullopt;
  const auto sub_workflow = string_at(input, "forkTaskWorkflow");
  const auto version = parse_int(string_at(input, "forkTaskWorkflowVersion"));
  auto fork_type = string_at(input, "forkTaskType");
  auto fork_name = string_at(input, "forkTaskName");
  if (fork_type && !fork_name && context.registry && context.registry->is_system(*fork_type)) fork_name = fork_type;
  if (!fork_name) fork_name = context.node.task_reference_name;
  if (!fork_type) fork_type = "SIMPLE";
  // A later dynamic fork (another node, a later loop iteration) must not reuse the first one's refs.
  const auto& tasks = context.workflow.tasks;
  const bool earlier_fork = std::any_of(tasks.begin(), tasks.end(), [](const Task& t) {
    return t.workflow_task && t.workflow_task->type == "FORK_JOIN_DYNAMIC";
  });

  Forks forks;
  int index = 0;
  for (const Json& item : items->get_array()) {
    WorkflowTask node;
    if (item.is_object()) {
      try {
        from_json(item, node);  // node fields in the item are honoured
      } catch (const ValidationError&) {
        node = WorkflowTask{};
      }
    }
    node.name = sub_workflow.value_or(*fork_name);
    node.type = sub_workflow ? "SUB_WORKFLOW" : *fork_type;
    if (sub_workflow) {
      SubWorkflowParams params;
      params.name = sub_workflow;
      params.version = version;
      if (const Json* domains = item.is_object() ? item.get_object().if_contains("taskToDomain") : nullptr;
          domains && domains->is_object()) {
        params.task_to_domain.emplace();
        for (const auto& [task, domain] : domains->get_object())
          if (domain.is_string()) (*params.task_to_domain)[std::string(task)] = std::string(domain.get_string());
      }
      node.sub_workflow_param = std::move(params);
    }
    node.input_parameters = item.is_object() ? item.get_object() : JsonObject{{"input", item}};
    node.input_parameters["__index"] = index;
    node.task_reference_name = earlier_fork
                                   ? fmt::format("_{}_{}_{}", context.node.task_reference_name, *fork_name, index)
                                   : fmt::format("_{}_{}", *fork_name, index);
    if (context.node.optional) node.optional = true;
    node.task_definition.reset();
    attach_registered_def(context, node);
    forks.nodes.push_back(std::move(node));
    ++index;
  }
  return forks;
}

// `dynamicForkTasksParam`: a list of nodes, with their inputs under `dynamicForkTasksInputParamName`.
Forks listed_forks(const MapperContext& context, const JsonObject& input) {
  const std::string& param = *context.node.dynamic_fork_tasks_param;
  const Json* list = input.if_contains(param);
  auto invalid = [&]() {
    fail(fmt::format("Input '{}' is invalid. Cannot deserialize a list of Workflow Tasks from '{}'", param,
                     text_of(list)));
  };
  if (!list || !list->is_array()) invalid();
  Forks forks;
  try {
    forks.nodes = decode_list<WorkflowTask>(*list);
  } catch (const ValidationError&) {
    invalid();
  }
  for (const Json& item : list->get_array()) {
    const Json* ref = item.is_object() ? item.get_object().if_contains("taskReferenceName") : nullptr;
    if (!ref || ref->is_null()) invalid();
  }
  for (auto& node : forks.nodes) attach_registered_def(context, node);

  const auto& inputs_param = context.node.dynamic_fork_tasks_input_param_name;
  const Json* inputs = inputs_param ? input.if_contains(*inputs_param) : nullptr;
  if (!inputs || !inputs->is_object())
    fail("Input to the dynamically forked tasks is not a map -> expecting a map of K,V  but found " + text_of(inputs));
  forks.inputs = inputs->get_object();
  return forks;
}

// The legacy `dynamicForkJoinTasksParam`: `{dynamicTasks: [{taskName, referenceName, type, input}]}`.
Forks legacy_forks(const MapperContext& context, const JsonObject& input) {
  const auto& param = context.node.dynamic_fork_join_tasks_param;
  const Json* value = param ? input.if_contains(*param) : nullptr;
  const Json* tasks = value && value->is_object() ? value->get_object().if_contains("dynamicTasks") : nullptr;
  auto invalid = [&]() {
    fail(fmt::format("Dynamic tasks could not be created. The value of {} from task's input {} has no dynamic tasks "
                     "to be scheduled",
                     param.value_or("null"), java_text(input)));
  };
  if (!value || !value->is_object() || (tasks && !tasks->is_null() && !tasks->is_array())) invalid();
  Forks forks;
  if (!tasks || !tasks->is_array()) return forks;
  for (const Json& item : tasks->get_array()) {
    if (!item.is_object()) invalid();
    const auto& fields = item.get_object();
    WorkflowTask node;
    node.task_reference_name = string_at(fields, "referenceName").value_or("");
    node.name = string_at(fields, "taskName").value_or("");
    node.type = string_at(fields, "type").value_or("SIMPLE");
    attach_registered_def(context, node);
    const Json* task_input = fields.if_contains("input");
    forks.inputs[node.task_reference_name] = task_input && task_input->is_object() ? *task_input : Json(JsonObject{});
    forks.nodes.push_back(std::move(node));
  }
  return forks;
}

}  // namespace

std::vector<Task> ForkJoinDynamicTask::map(const MapperContext& context) const {
  const WorkflowTask& fork_node = context.node;
  const Workflow& wf = context.workflow;
  const JsonObject input = context.context_input();
  Forks forks;
  if (auto same = same_task_forks(context, input)) {
    forks = std::move(*same);
  } else if (fork_node.dynamic_fork_tasks_param) {
    forks = listed_forks(context, input);
  } else {
    forks = legacy_forks(context, input);
  }
  const std::int64_t max_branches = context.limits.max_fork_branches;
  if (forks.nodes.size() > static_cast<std::size_t>(max_branches))
    fail(fmt::format("Dynamic fork {} has {} branches, more than the limit of {} fork branches",
                     fork_node.task_reference_name, forks.nodes.size(), max_branches));

  Task fork = fork_marker(context);
  fork.executed = true;
  JsonArray refs;
  JsonArray defs;
  for (const auto& node : forks.nodes) {
    refs.emplace_back(node.task_reference_name);
    defs.push_back(to_json(node));
  }
  // The node's own input wins over these two keys, as in Conductor.
  fork.input_data.emplace("forkedTasks", std::move(refs));
  fork.input_data.emplace("forkedTaskDefs", std::move(defs));
  std::vector<Task> tasks{std::move(fork)};

  JsonArray join_on;
  const bool forked_before = std::any_of(wf.tasks.begin(), wf.tasks.end(), [&](const Task& t) {
    return t.reference_task_name == fork_node.task_reference_name;
  });
  if (!forked_before) {
    for (auto& node : forks.nodes) {
      if (const Json* extra = forks.inputs.if_contains(node.task_reference_name); extra && extra->is_object())
        for (const auto& [key, value] : extra->get_object()) node.input_parameters[key] = value;
      auto mapped = context.map_node(node);
      if (mapped.empty()) {
        std::string reason = fmt::format("No dynamic tasks could be created for the Workflow: {}.{}/{}, Dynamic Fork "
                                         "Task: {}/{}",
                                         wf.workflow_name(), wf.workflow_version(), wf.workflow_id, node.name,
                                         node.task_reference_name);
        if (std::any_of(wf.tasks.begin(), wf.tasks.end(), [&](const Task& t) {
              return t.reference_task_name == node.task_reference_name &&
                     (t.status == TaskStatus::kInProgress || is_terminal(t.status));
            }))
          reason += " attempted to create a duplicate task reference name: " + node.task_reference_name;
        fail(std::move(reason));
      }
      join_on.emplace_back(mapped.back().reference_task_name);
      for (auto& t : mapped) tasks.push_back(std::move(t));
    }
  }

  const WorkflowTask* join_node = next_node(*wf.workflow_definition, fork_node.task_reference_name);
  if (!join_node || join_node->type != "JOIN")
    fail("Dynamic join definition is not followed by a join task.  Check the workflow definition.");
  for (auto& join : context.map_node(*join_node)) {  // nothing when the JOIN exists already
    join.input_data = join_node->input_parameters;
    join.input_data["joinOn"] = join_on;
    tasks.push_back(std::move(join));
  }
  return tasks;
}

}  // namespace conductor::detail
