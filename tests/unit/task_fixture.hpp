#pragma once

#include <conductor/codec.hpp>

#include "decider/decider.hpp"
#include "decider/input_resolver.hpp"
#include "decider/navigation.hpp"
#include "engine/engine_core.hpp"
#include "executor/change.hpp"
#include "executor/change_effects.hpp"
#include "tasks/task_handler.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <string>
#include <vector>

// One workflow run held in memory, with an engine core to map its nodes and run its system tasks
// directly: no decide loop around them.
struct TaskFixture {
  conductor::detail::EngineCore core{options()};
  conductor::Workflow workflow;
  int ids = 0;

  explicit TaskFixture(const std::string& definition_json, conductor::JsonObject input = {}) {
    workflow.workflow_id = "wf-1";
    workflow.status = conductor::WorkflowStatus::kRunning;
    workflow.input = std::move(input);
    workflow.workflow_definition = conductor::decode<conductor::WorkflowDef>(definition_json);
    auto tx = core.storage().begin();
    tx->execution().insert_workflow(workflow);
    tx->commit();
  }

  static conductor::EngineOptions options() {
    conductor::EngineOptions o;
    o.background = false;
    return o;
  }

  const conductor::WorkflowTask& node(const std::string& ref) {
    const auto* found = conductor::detail::find_node(*workflow.workflow_definition, ref);
    REQUIRE(found);
    return *found;
  }

  // The decider's mapping of a node (semantics.md §2.7) against the workflow as it is now.
  std::vector<conductor::Task> map(const std::string& ref) {
    conductor::detail::InputResolver inputs(workflow, core.properties());
    conductor::detail::DeciderEnv env{core.registry(), inputs, 1000,
                                      [this] { return "task-" + std::to_string(++ids); }, [](int) { return 0; }};
    return conductor::detail::map_node(workflow, node(ref), 0, env);
  }

  // Adds tasks to the run as scheduled ones, numbered in order.
  void add(std::vector<conductor::Task> tasks) {
    for (auto& t : tasks) {
      t.seq = static_cast<int>(workflow.tasks.size()) + 1;
      auto tx = core.storage().begin();
      tx->execution().insert_task(t);
      tx->commit();
      workflow.tasks.push_back(std::move(t));
    }
  }

  conductor::Task& task(const std::string& ref) {
    auto it = std::find_if(workflow.tasks.rbegin(), workflow.tasks.rend(),
                           [&](const conductor::Task& t) { return t.reference_task_name == ref; });
    REQUIRE(it != workflow.tasks.rend());
    return *it;
  }

  // Runs the system task's execute as the decide loop would; returns whether it changed the task.
  bool execute(const std::string& ref) {
    const std::string id = task(ref).task_id;
    const auto* handler = core.registry().find_system(task(ref).task_type);
    REQUIRE(handler);
    return conductor::detail::run_change(core, {}, [&](conductor::detail::Change& s) {
      conductor::detail::ChangeEffects effects(core.ops(), s);
      conductor::detail::SystemTaskContext context{workflow, s.now(), effects};
      auto it = std::find_if(workflow.tasks.begin(), workflow.tasks.end(),
                             [&](const conductor::Task& t) { return t.task_id == id; });
      return handler->execute(*it, context);
    });
  }

  std::vector<std::string> refs() const {
    std::vector<std::string> out;
    for (const auto& t : workflow.tasks) out.push_back(t.reference_task_name);
    return out;
  }
};
