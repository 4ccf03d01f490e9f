#include <conductor/workflow_executor.hpp>

#include <conductor/error.hpp>
#include <conductor/task_queue.hpp>

#include "engine/engine_core.hpp"
#include "util/uuid.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <optional>
#include <string_view>

/// The workflow test: a run whose task results come from the request instead of workers.
namespace conductor {

namespace {

/// Conductor stops a test that keeps going after this many rounds.
constexpr int kMaxTestRounds = 20'000;

/// Tasks the engine completes itself in a test: they need no mock.
constexpr std::array<std::string_view, 12> kOperators = {
    "JOIN",   "DO_WHILE",  "SET_VARIABLE", "FORK",      "INLINE",            "TERMINATE",
    "DECISION", "DYNAMIC", "FORK_JOIN",    "FORK_JOIN_DYNAMIC", "SWITCH", "SUB_WORKFLOW"};

bool is_operator(std::string_view type) {
  return std::find(kOperators.begin(), kOperators.end(), type) != kOperators.end();
}

/// Drives the run of `workflow_id` with `request`'s mocks (which it uses up) until it ends, needs a
/// result it has no mock for, or stops moving.
void drive(detail::EngineCore& core, WorkflowExecutor& executor, TaskQueue& queue, WorkflowTestRequest& request,
           const std::string& workflow_id) {
  auto& mocks = request.task_ref_to_mock_output;
  std::optional<Workflow> previous;
  bool ran_due = false;
  for (int round = 0; round < kMaxTestRounds; ++round) {
    Workflow wf = executor.get_workflow(workflow_id, true);
    if (is_terminal(wf.status)) return;
    const bool unmocked = std::any_of(wf.tasks.begin(), wf.tasks.end(), [&](const Task& task) {
      return !is_terminal(task.status) && !is_operator(task.task_type) && !mocks.contains(task.reference_task_name);
    });
    if (unmocked) return;
    if (previous == wf) {
      // Nothing moved since the last round: what is left runs as system work (a sub-workflow's
      // start). Run what is due once instead of deciding in circles; if that moves nothing either,
      // only time could, and the test stops.
      if (ran_due) return;
      core.run_due();
      ran_due = true;
      continue;
    }
    ran_due = false;
    previous = wf;
    for (const Task& task : wf.tasks) {
      if (is_terminal(task.status)) continue;
      if (task.task_type == "SUB_WORKFLOW" && task.sub_workflow_id) {
        auto sub = request.sub_workflow_test_request.find(task.reference_task_name);
        if (sub != request.sub_workflow_test_request.end())
          drive(core, executor, queue, sub->second, *task.sub_workflow_id);
      }
      auto mock = mocks.find(task.reference_task_name);
      if (mock == mocks.end() || mock->second.empty() || is_operator(task.task_type)) {
        if (mock != mocks.end()) mocks.erase(mock);
        executor.decide(workflow_id);
        continue;
      }
      const TaskMock next = std::move(mock->second.front());
      mock->second.erase(mock->second.begin());
      TaskResult result;
      result.workflow_instance_id = task.workflow_instance_id;
      result.task_id = task.task_id;
      result.status = next.status;
      result.output_data = task.output_data;
      for (const auto& [key, value] : next.output) result.output_data[key] = value;
      queue.update_task(result);
    }
  }
}

/// The workflow and, depth first, every sub-workflow its tasks started.
void collect_tree(WorkflowExecutor& executor, const std::string& workflow_id, std::vector<std::string>& ids) {
  auto wf = executor.find_workflow(workflow_id, true);
  if (!wf) return;
  ids.push_back(workflow_id);
  for (const Task& task : wf->tasks) {
    if (task.task_type == "SUB_WORKFLOW" && task.sub_workflow_id && !task.sub_workflow_id->empty())
      collect_tree(executor, *task.sub_workflow_id, ids);
  }
}

}  // namespace

Workflow WorkflowExecutor::test_workflow(const WorkflowTestRequest& request) {
  WorkflowTestRequest test = request;
  // No worker polls a fresh random domain, so no real worker ever sees a test's tasks.
  test.start.task_to_domain["*"] = detail::new_uuid();
  const std::string workflow_id = start_workflow(test.start);
  std::optional<Workflow> result;
  std::exception_ptr failure;
  try {
    drive(core_, *this, core_.queue(), test, workflow_id);
    result = get_workflow(workflow_id, true);
  } catch (...) {
    failure = std::current_exception();
  }
  // The answer is the test's only record, also when it failed half-way.
  std::vector<std::string> tree;
  collect_tree(*this, workflow_id, tree);
  for (const auto& id : tree) remove(id);
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

}  // namespace conductor
