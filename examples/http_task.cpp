// HTTP task: a workflow calls a REST endpoint and uses the answer. The endpoint here is the engine's
// own Conductor API, served on a free loopback port, so the workflow reads its own definition.
#include <conductor/codec.hpp>
#include <conductor/engine.hpp>
#include <conductor/http/server.hpp>

#include <boost/json.hpp>

#include <iostream>

int main() {
  conductor::Engine engine;
  conductor::http::Server api({.port = 0}, engine);
  const std::string base = "http://127.0.0.1:" + std::to_string(api.start());

  engine.metadata().update_workflow_defs({conductor::decode<conductor::WorkflowDef>(R"({
    "name": "http_example", "version": 1, "schemaVersion": 2,
    "tasks": [{"name": "fetch", "taskReferenceName": "fetch", "type": "HTTP",
               "inputParameters": {"http_request": {"uri": "${workflow.input.url}", "method": "GET"}}}],
    "outputParameters": {"status": "${fetch.output.response.statusCode}",
                         "name": "${fetch.output.response.body.name}"}})")});

  const auto run = engine.executor().execute(
      {.name = "http_example", .input = conductor::JsonObject{{"url", base + "/api/metadata/workflow/http_example"}}});
  std::cout << to_string(run.target.status) << " " << boost::json::serialize(run.target.output) << "\n";
  api.stop();
  return run.target.output == conductor::JsonObject{{"status", 200}, {"name", "http_example"}} ? 0 : 1;
}
