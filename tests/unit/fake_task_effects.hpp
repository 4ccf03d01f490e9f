#pragma once

#include "tasks/task_handler.hpp"

#include <map>
#include <string>
#include <utility>
#include <vector>

// The engine as a system task sees it, faked: records what a handler asks for and answers from
// workflows the test puts in place, so a handler is tested without an executor or storage.
struct FakeTaskEffects final : conductor::detail::TaskEffects {
  struct Started {
    conductor::StartWorkflowRequest request;
    std::optional<conductor::detail::ChildLink> child;
  };
  std::vector<Started> started;
  std::map<std::string, conductor::Workflow> workflows;  // what find_workflow answers
  std::vector<std::pair<std::string, std::string>> terminated;  // (id, reason)
  std::vector<std::string> removed;                               // task ids
  std::vector<std::pair<std::string, int>> iterations;            // (body head ref, iteration)
  std::vector<conductor::EventMessage> published;
  conductor::detail::PropertyMap property_map;
  std::int64_t variables_kb = 256;
  conductor::Limits engine_limits;
  int next_id = 0;

  std::string start_workflow(const conductor::StartWorkflowRequest& request,
                             const conductor::detail::ChildLink* child) override {
    started.push_back({request, child ? std::optional(*child) : std::nullopt});
    // A child keeps the id it is given, and a second start with it finds the first.
    std::string id = child ? child->workflow_id : "started-" + std::to_string(++next_id);
    if (!workflows.count(id)) {
      conductor::Workflow wf;
      wf.workflow_id = id;
      wf.status = conductor::WorkflowStatus::kRunning;
      wf.correlation_id = request.correlation_id;
      if (child) {
        wf.parent_workflow_id = child->parent_workflow_id;
        wf.parent_workflow_task_id = child->parent_workflow_task_id;
      }
      workflows[id] = wf;
    }
    return id;
  }
  std::optional<conductor::Workflow> find_workflow(std::string_view workflow_id) override {
    auto it = workflows.find(std::string(workflow_id));
    if (it == workflows.end()) return std::nullopt;
    return it->second;
  }
  void terminate_workflow(std::string_view workflow_id, std::string_view reason) override {
    terminated.emplace_back(workflow_id, reason);
  }
  void schedule_iteration(conductor::Workflow&, const conductor::WorkflowTask& body_head, int, int iteration) override {
    iterations.emplace_back(body_head.task_reference_name, iteration);
  }
  void remove_task(const conductor::Task& task) override { removed.push_back(task.task_id); }
  void publish_event(const conductor::EventMessage& message) override { published.push_back(message); }
  const conductor::detail::PropertyMap& properties() const override { return property_map; }
  std::int64_t max_workflow_variables_kb() const override { return variables_kb; }
  const conductor::Limits& limits() const override { return engine_limits; }
};
