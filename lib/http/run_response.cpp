#include "http/run_response.hpp"

#include <conductor/codec.hpp>
#include <conductor/error.hpp>

#include <array>
#include <string_view>
#include <utility>

namespace conductor::http {
namespace {

constexpr std::array<std::string_view, 4> kStrategyNames = {"TARGET_WORKFLOW", "BLOCKING_WORKFLOW", "BLOCKING_TASK",
                                                            "BLOCKING_TASK_INPUT"};

std::string_view to_string(ReturnStrategy strategy) { return kStrategyNames.at(static_cast<std::size_t>(strategy)); }

/// The fields every SignalResponse has; the rest is the workflow's or the task's.
JsonObject signal_response(const RunState& state, ReturnStrategy strategy, const std::string& workflow_id,
                           const std::optional<std::string>& correlation_id, const JsonObject& input,
                           const JsonObject& output) {
  JsonObject out;
  out["responseType"] = to_string(strategy);
  out["targetWorkflowId"] = state.target.workflow_id;
  out["targetWorkflowStatus"] = to_string(state.target.status);
  out["requestId"] = state.request_id;
  out["signalTimeout"] = state.timed_out;
  out["workflowId"] = workflow_id;
  if (correlation_id) out["correlationId"] = *correlation_id;
  out["input"] = input;
  out["output"] = output;
  return out;
}

Json workflow_run(const RunState& state, const Workflow& wf, ReturnStrategy strategy) {
  JsonObject out = signal_response(state, strategy, wf.workflow_id, wf.correlation_id, wf.input, wf.output);
  out["priority"] = wf.priority;
  out["variables"] = wf.variables;
  out["tasks"] = to_json_array(wf.tasks);
  if (wf.created_by) out["createdBy"] = *wf.created_by;
  out["createTime"] = wf.create_time;
  out["status"] = to_string(wf.status);
  out["updateTime"] = wf.update_time;
  return out;
}

Json task_run(const RunState& state, const Task& task, ReturnStrategy strategy) {
  JsonObject out =
      signal_response(state, strategy, task.workflow_instance_id, task.correlation_id, task.input_data, task.output_data);
  out["taskType"] = task.task_type;
  out["taskId"] = task.task_id;
  out["referenceTaskName"] = task.reference_task_name;
  out["retryCount"] = task.retry_count;
  out["taskDefName"] = task.task_def_name;
  if (task.retried_task_id) out["retriedTaskId"] = *task.retried_task_id;
  out["workflowType"] = task.workflow_type;
  if (task.reason_for_incompletion) out["reasonForIncompletion"] = *task.reason_for_incompletion;
  out["priority"] = task.workflow_priority;
  if (task.worker_id) out["createdBy"] = *task.worker_id;
  out["createTime"] = task.start_time;
  out["updateTime"] = task.update_time;
  out["status"] = to_string(task.status);
  return out;
}

/// A parked synchronous call: a RunWatch and the transport's timer, no thread.
class RunWait final : public Pending {
 public:
  RunWait(std::unique_ptr<RunWatch> watch, ReturnStrategy strategy) : watch_(std::move(watch)), strategy_(strategy) {}

  std::chrono::steady_clock::time_point deadline() const override { return watch_->deadline(); }

  std::optional<Response> attempt(std::function<void()> wake, bool last) override {
    std::optional<RunState> state = last ? watch_->finish() : watch_->attempt(std::move(wake));
    if (!state) return std::nullopt;
    return Response::json(run_response(*state, strategy_));
  }

  std::optional<std::chrono::steady_clock::time_point> recheck_at() const override { return watch_->recheck_at(); }

  void disarm() override { watch_->disarm(); }

  /// The run was started or signalled before the wait.
  bool acted() const override { return true; }

 private:
  std::unique_ptr<RunWatch> watch_;
  ReturnStrategy strategy_;
};

}  // namespace

ReturnStrategy return_strategy(const Request& request) {
  const auto name = request.query("returnStrategy");
  if (!name || name->empty()) return ReturnStrategy::kTargetWorkflow;
  for (std::size_t i = 0; i < kStrategyNames.size(); ++i) {
    if (kStrategyNames[i] == *name) return static_cast<ReturnStrategy>(i);
  }
  throw ValidationError("Invalid value '" + *name + "' for parameter 'returnStrategy': must be one of " +
                            "TARGET_WORKFLOW, BLOCKING_WORKFLOW, BLOCKING_TASK, BLOCKING_TASK_INPUT",
                        {FieldViolation{"returnStrategy", "must be a return strategy", *name}});
}

Json run_response(const RunState& state, ReturnStrategy strategy) {
  if (state.blocking_tasks.empty()) {
    return workflow_run(state, state.target,
                        strategy == ReturnStrategy::kBlockingWorkflow ? strategy : ReturnStrategy::kTargetWorkflow);
  }
  switch (strategy) {
    case ReturnStrategy::kTargetWorkflow: return workflow_run(state, state.target, strategy);
    case ReturnStrategy::kBlockingWorkflow: return workflow_run(state, state.blocking_workflow, strategy);
    case ReturnStrategy::kBlockingTask:
    case ReturnStrategy::kBlockingTaskInput: break;
  }
  return task_run(state, state.blocking_tasks.front(), strategy);
}

Response wait_for_run(std::unique_ptr<RunWatch> watch, ReturnStrategy strategy) {
  return Response::wait(std::make_shared<RunWait>(std::move(watch), strategy));
}

}  // namespace conductor::http
