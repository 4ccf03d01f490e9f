#pragma once

#include "http/message.hpp"

#include <conductor/run_watch.hpp>
#include <conductor/workflow_run.hpp>

#include <memory>
#include <optional>
#include <string>

/// The answers of the synchronous routes (execute, signal and wait): Conductor's SignalResponse in
/// the shape the caller's `returnStrategy` asks for.
namespace conductor::http {

/// Conductor's WorkflowSignalReturnStrategy.
enum class ReturnStrategy { kTargetWorkflow, kBlockingWorkflow, kBlockingTask, kBlockingTaskInput };

/// The `returnStrategy` query parameter (TARGET_WORKFLOW when absent): ValidationError (400) for any
/// other name.
ReturnStrategy return_strategy(const Request& request);

/// A WorkflowRun of the target or the blocking workflow, or a TaskRun of the first blocking task.
/// A task strategy with nothing blocking (the run ended, or the wait timed out) answers the target's
/// WorkflowRun, marked TARGET_WORKFLOW, where Conductor has no answer.
Json run_response(const RunState& state, ReturnStrategy strategy);

/// Waits on `watch` parked, holding no thread, then answers run_response().
Response wait_for_run(std::unique_ptr<RunWatch> watch, ReturnStrategy strategy);

}  // namespace conductor::http
