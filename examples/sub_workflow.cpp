// Sub-workflow: a parent runs a registered child workflow as one of its tasks and uses its output.
#include <conductor/codec.hpp>
#include <conductor/engine.hpp>

#include <boost/json.hpp>

#include <iostream>

int main() {
  conductor::Engine engine;
  engine.metadata().update_workflow_defs({
      conductor::decode<conductor::WorkflowDef>(R"({
        "name": "greet_child", "version": 1, "schemaVersion": 2,
        "tasks": [{"name": "greet", "taskReferenceName": "greet", "inputParameters": {"who": "${workflow.input.who}"}}],
        "outputParameters": {"greeting": "${greet.output.text}"}})"),
      conductor::decode<conductor::WorkflowDef>(R"({
        "name": "greet_parent", "version": 1, "schemaVersion": 2,
        "tasks": [{"name": "child", "taskReferenceName": "child", "type": "SUB_WORKFLOW",
                   "subWorkflowParam": {"name": "greet_child", "version": 1},
                   "inputParameters": {"who": "${workflow.input.who}"}}],
        "outputParameters": {"fromChild": "${child.output.greeting}"}})"),
  });
  engine.workers().add({.task_type = "greet"}, [](const conductor::Task& t) {
    return conductor::JsonObject{{"text", "hello, " + std::string(t.input_data.at("who").as_string())}};
  });
  engine.workers().start();

  const auto run = engine.executor().execute({.name = "greet_parent", .input = conductor::JsonObject{{"who", "ada"}}});
  const auto& child = run.target.tasks.front();
  std::cout << to_string(run.target.status) << " " << boost::json::serialize(run.target.output)
            << " (child workflow " << child.sub_workflow_id.value_or("?") << ")\n";
  return run.target.output == conductor::JsonObject{{"fromChild", "hello, ada"}} ? 0 : 1;
}
