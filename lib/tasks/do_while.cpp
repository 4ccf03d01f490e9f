#include "tasks/do_while.hpp"

#include "decider/decider.hpp"
#include "decider/input_resolver.hpp"
#include "decider/navigation.hpp"
#include "script/javascript.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <set>

namespace conductor::detail {

namespace {

bool in_body(const Task& t, const Task& loop, const WorkflowTask& node) {
  return t.reference_task_name != loop.reference_task_name && contains_ref(node, base_ref(t));
}

/// Body tasks of the loop's current iteration in list order, the newest attempt of each.
std::vector<const Task*> current_tasks(const Workflow& wf, const Task& loop, const WorkflowTask& node) {
  std::vector<const Task*> out;
  for (const auto& t : wf.tasks) {
    if (t.iteration != loop.iteration || !in_body(t, loop, node)) continue;
    auto same = std::find_if(out.begin(), out.end(),
                             [&](const Task* o) { return o->reference_task_name == t.reference_task_name; });
    if (same == out.end()) {
      out.push_back(&t);
    } else if (t.retry_count > (*same)->retry_count) {
      *same = &t;
    }
  }
  return out;
}

/// The iteration is done when every direct body node and everything else started in it is terminal,
/// and every finished task's successor inside the body has been scheduled too.
bool iteration_finished(const Workflow& wf, const Task& loop, const WorkflowTask& node,
                        const std::vector<const Task*>& current) {
  auto find = [&](const std::string& ref) -> const Task* {
    auto named = fmt::format("{}__{}", ref, loop.iteration);
    auto it = std::find_if(current.begin(), current.end(),
                           [&](const Task* t) { return t->reference_task_name == named; });
    return it == current.end() ? nullptr : *it;
  };
  for (const auto& body : node.loop_over) {
    const Task* t = find(body.task_reference_name);
    if (!t || !is_terminal(t->status)) return false;
  }
  for (const Task* t : current) {
    if (!is_terminal(t->status)) return false;
    const WorkflowTask* next = next_node(*wf.workflow_definition, base_ref(*t));
    if (next && next->task_reference_name != node.task_reference_name &&
        contains_ref(node, next->task_reference_name) && !find(next->task_reference_name))
      return false;
  }
  return true;
}

bool is_list_mode(const WorkflowTask& node) { return node.items || node.input_parameters.contains("_items"); }

/// List mode's items, evaluated again on every call: a list, a single value wrapped, null as empty.
JsonArray loop_items(const WorkflowTask& node, const InputResolver& inputs) {
  Json value = inputs.resolve_value(node.items ? Json(*node.items) : node.input_parameters.at("_items"));
  if (value.is_array()) return std::move(value.as_array());
  if (value.is_null()) return {};
  return JsonArray{std::move(value)};
}

void put_list_variables(JsonObject& target, int iteration, const JsonArray& items) {
  const auto index = static_cast<std::size_t>(iteration - 1);
  target["loopIndex"] = iteration - 1;
  if (index < items.size()) {
    target["loopItem"] = items[index];
  } else {
    target.erase("loopItem");
  }
}

/// Whether another iteration runs (semantics.md §5.9, continuation rule). Throws ScriptError.
bool should_continue(const Workflow& wf, const Task& loop, const WorkflowTask& node, const InputResolver& inputs,
                     const std::optional<JsonArray>& items) {
  JsonObject input = inputs.resolve_with_template(node.input_parameters, task_def_of(wf, loop), loop.task_id);
  input[loop.reference_task_name] = loop.output_data;
  for (const auto& t : wf.tasks)
    if (in_body(t, loop, node)) input[base_ref(t)] = t.output_data;
  if (items) put_list_variables(input, loop.iteration, *items);
  const bool condition = node.loop_condition && script_truthy(evaluate_javascript(*node.loop_condition, input));
  if (!items) return condition;
  const bool more = static_cast<std::size_t>(loop.iteration) < items->size();
  return node.loop_condition ? condition && more : more;
}

/// Body tasks of iterations that `keepLastN` no longer keeps once `iteration` starts; drops their
/// outputs from the loop task.
std::set<std::string> forget_old_iterations(Task& loop, const WorkflowTask& node, const Workflow& wf, int iteration) {
  const Json* keep = node.input_parameters.if_contains("keepLastN");
  if (!keep || !keep->is_int64() || keep->get_int64() <= 0 || iteration <= keep->get_int64()) return {};
  const std::int64_t last_forgotten = iteration - keep->get_int64();
  for (std::int64_t i = 1; i <= last_forgotten; ++i) loop.output_data.erase(std::to_string(i));
  std::set<std::string> ids;
  for (const auto& t : wf.tasks)
    if (t.iteration > 0 && t.iteration <= last_forgotten && in_body(t, loop, node)) ids.insert(t.task_id);
  return ids;
}

/// Starts `iteration`: records it on the loop task, forgets what keepLastN does not keep, and
/// schedules the first body node. Scheduling moves wf.tasks, where `loop` and `node` live, so both
/// are done with before it.
bool start_iteration(Task& loop, const WorkflowTask& node, int iteration, const std::optional<JsonArray>& items,
                     SystemTaskContext& context) {
  Workflow& wf = context.workflow;
  loop.iteration = iteration;
  loop.output_data["iteration"] = iteration;
  if (items) put_list_variables(loop.output_data, iteration, *items);
  const auto forgotten = forget_old_iterations(loop, node, wf, iteration);
  const WorkflowTask head = node.loop_over.front();
  const int retry_count = loop.retry_count;

  for (const auto& t : wf.tasks) {
    if (!forgotten.count(t.task_id)) continue;
    context.effects.remove_task(t);
  }
  std::erase_if(wf.tasks, [&](const Task& t) { return forgotten.count(t.task_id) != 0; });
  context.effects.schedule_iteration(wf, head, retry_count, iteration);
  return true;
}

}  // namespace

std::vector<Task> DoWhileTask::map(const MapperContext& context) const {
  const Task* latest = latest_task(context.workflow, context.node.task_reference_name);
  if (latest && is_terminal(latest->status)) return {};
  static const TaskDef kDefaults;
  const TaskDef& def = context.task_def ? *context.task_def : kDefaults;
  Task task = context.new_task(type());
  task.status = TaskStatus::kInProgress;
  task.start_time = context.now;
  task.rate_limit_per_frequency = def.rate_limit_per_frequency;
  task.rate_limit_frequency_in_seconds = def.rate_limit_frequency_in_seconds;
  task.input_data = context.task_input();
  return {std::move(task)};
}

bool DoWhileTask::execute(Task& loop, SystemTaskContext& context) const {
  const Workflow& wf = context.workflow;
  const WorkflowTask* found = node_of(wf, loop);
  assert(found);
  const WorkflowTask& node = *found;
  if (node.loop_over.empty()) {
    // Nothing to repeat; validation rejects such definitions, so only an older stored one gets here.
    loop.status = TaskStatus::kCompleted;
    return true;
  }
  // Built only when needed: execute runs on every decide pass while the loop is unfinished.
  std::optional<InputResolver> resolver;
  auto inputs = [&]() -> const InputResolver& {
    if (!resolver) resolver.emplace(wf, context.effects.properties());
    return *resolver;
  };
  const auto current = current_tasks(wf, loop, node);
  if (current.empty()) {
    std::optional<JsonArray> items;
    if (is_list_mode(node)) items = loop_items(node, inputs());
    if (items && items->empty()) {
      loop.output_data["iteration"] = 0;
      loop.status = TaskStatus::kCompleted;
      return true;
    }
    return start_iteration(loop, node, 1, items, context);
  }

  JsonObject outputs;
  std::optional<std::string> failure;
  for (const Task* t : current) {
    outputs[base_ref(*t)] = t->output_data;
    if (is_terminal(t->status) && !is_successful(t->status)) {
      failure = t->reason_for_incompletion.value_or("null") + " ";
      break;
    }
  }
  loop.output_data[std::to_string(loop.iteration)] = std::move(outputs);
  if (failure) {
    loop.status = TaskStatus::kFailed;
    loop.reason_for_incompletion = std::move(failure);
    return true;
  }
  if (!iteration_finished(wf, loop, node, current)) return false;

  std::optional<JsonArray> items;
  if (is_list_mode(node)) items = loop_items(node, inputs());
  bool more = false;
  try {
    more = should_continue(wf, loop, node, inputs(), items);
  } catch (const ScriptError& e) {
    loop.status = TaskStatus::kFailedWithTerminalError;
    loop.reason_for_incompletion =
        fmt::format("Unable to evaluate condition {}, exception {}", node.loop_condition.value_or(""), e.what());
    return true;
  }
  if (!more) {
    loop.status = TaskStatus::kCompleted;
    return true;
  }
  if (const std::int64_t max = context.effects.limits().max_do_while_iterations; loop.iteration >= max) {
    loop.status = TaskStatus::kFailedWithTerminalError;
    loop.reason_for_incompletion =
        fmt::format("DO_WHILE {} reached the limit of {} iterations", loop.reference_task_name, max);
    return true;
  }
  return start_iteration(loop, node, loop.iteration + 1, items, context);
}

}  // namespace conductor::detail
