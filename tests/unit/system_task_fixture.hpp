#pragma once

#include <conductor/clock.hpp>
#include <conductor/codec.hpp>

#include "decider/input_resolver.hpp"
#include "fake_task_effects.hpp"
#include "tasks/task_handler.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

// Runs one task handler against a workflow the test builds by hand, with the engine's effects faked.
struct SystemTaskFixture {
  FakeTaskEffects effects;
  conductor::Workflow workflow;
  conductor::detail::PropertyMap properties;
  conductor::EpochMillis now = 1000;  // the time mappers and system-task calls see

  // Room enough that the task references add() returns stay valid for a whole test.
  SystemTaskFixture() { workflow.tasks.reserve(64); }

  // Appends a task for `ref` (its node carries the flags) and returns it.
  conductor::Task& add(const std::string& ref, conductor::TaskStatus status, conductor::JsonObject output = {},
                       bool optional = false, bool permissive = false) {
    conductor::Task t;
    t.task_id = "id-" + ref + "-" + std::to_string(workflow.tasks.size());
    t.reference_task_name = ref;
    t.task_def_name = ref;
    t.status = status;
    t.output_data = std::move(output);
    conductor::WorkflowTask node;
    node.name = ref;
    node.task_reference_name = ref;
    node.optional = optional;
    node.permissive = permissive;
    t.workflow_task = node;
    workflow.tasks.push_back(std::move(t));
    return workflow.tasks.back();
  }

  conductor::detail::SystemTaskContext context() { return {workflow, now, effects}; }
  void start(const conductor::detail::TaskHandler& handler, conductor::Task& task) {
    auto call = context();
    handler.start(task, call);
  }
  bool execute(const conductor::detail::TaskHandler& handler, conductor::Task& task) {
    auto call = context();
    return handler.execute(task, call);
  }

  // Maps `node` with `handler` as the decider would, without nested nodes.
  std::vector<conductor::Task> map(const conductor::detail::TaskHandler& handler, const conductor::WorkflowTask& node) {
    conductor::detail::InputResolver inputs(workflow, properties);
    conductor::detail::MapperContext context{
        workflow, node, nullptr, "task-id", 0, now, inputs, [](const conductor::WorkflowTask&) {
          return std::vector<conductor::Task>{};
        }};
    return handler.map(context);
  }
  // The one task a node written as JSON maps to.
  conductor::Task map_one(const conductor::detail::TaskHandler& handler, const std::string& node_json) {
    auto tasks = map(handler, conductor::decode<conductor::WorkflowTask>(node_json));
    REQUIRE(tasks.size() == 1);
    return tasks.front();
  }
};
