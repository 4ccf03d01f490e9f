// Fork/join: two branches run side by side on in-process workers, and the join hands both results to
// the last task. execute() waits for the run to end without polling.
#include <conductor/codec.hpp>
#include <conductor/engine.hpp>

#include <boost/json.hpp>

#include <iostream>

int main() {
  conductor::Engine engine;  // a private in-memory SQLite database
  engine.metadata().update_workflow_defs({conductor::decode<conductor::WorkflowDef>(R"({
    "name": "fork_join_example", "version": 1, "schemaVersion": 2,
    "tasks": [
      {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN", "forkTasks": [
        [{"name": "square", "taskReferenceName": "square", "inputParameters": {"n": "${workflow.input.n}"}}],
        [{"name": "double", "taskReferenceName": "double", "inputParameters": {"n": "${workflow.input.n}"}}]]},
      {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["square", "double"]},
      {"name": "add", "taskReferenceName": "add",
       "inputParameters": {"a": "${square.output.value}", "b": "${double.output.value}"}}],
    "outputParameters": {"sum": "${add.output.value}"}})")});

  auto number = [](const conductor::Task& task, const char* key) {
    return task.input_data.at(key).to_number<std::int64_t>();
  };
  engine.workers().add({.task_type = "square"}, [&](const conductor::Task& t) {
    return conductor::JsonObject{{"value", number(t, "n") * number(t, "n")}};
  });
  engine.workers().add({.task_type = "double"}, [&](const conductor::Task& t) {
    return conductor::JsonObject{{"value", 2 * number(t, "n")}};
  });
  engine.workers().add({.task_type = "add"}, [&](const conductor::Task& t) {
    return conductor::JsonObject{{"value", number(t, "a") + number(t, "b")}};
  });
  engine.workers().start();

  const auto run = engine.executor().execute({.name = "fork_join_example", .input = conductor::JsonObject{{"n", 7}}});
  std::cout << to_string(run.target.status) << " " << boost::json::serialize(run.target.output) << "\n";
  return run.target.output == conductor::JsonObject{{"sum", 63}} ? 0 : 1;  // 7*7 + 2*7
}
