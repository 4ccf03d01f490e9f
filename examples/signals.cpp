// Signals: a run stops at a WAIT task until someone signals it; execute() answers as soon as the run
// is blocked there, and signal_and_wait() completes the WAIT task and waits for the end.
#include <conductor/codec.hpp>
#include <conductor/engine.hpp>

#include <boost/json.hpp>

#include <iostream>

int main() {
  conductor::Engine engine;
  engine.metadata().update_workflow_defs({conductor::decode<conductor::WorkflowDef>(R"({
    "name": "approval_example", "version": 1, "schemaVersion": 2,
    "tasks": [
      {"name": "approval", "taskReferenceName": "approval", "type": "WAIT"},
      {"name": "decide", "taskReferenceName": "decide", "type": "INLINE",
       "inputParameters": {"evaluatorType": "javascript", "approved": "${approval.output.approved}",
                           "expression": "$.approved ? 'shipped' : 'cancelled'"}}],
    "outputParameters": {"outcome": "${decide.output.result}"}})")});

  auto& executor = engine.executor();
  const auto blocked = executor.execute({.name = "approval_example"});
  std::cout << "blocked at " << blocked.blocking_tasks.front().reference_task_name << "\n";

  const auto done = executor.signal_and_wait(blocked.target.workflow_id, conductor::TaskResultStatus::kCompleted,
                                             conductor::JsonObject{{"approved", true}});
  std::cout << to_string(done.target.status) << " " << boost::json::serialize(done.target.output) << "\n";
  return done.target.output == conductor::JsonObject{{"outcome", "shipped"}} ? 0 : 1;
}
