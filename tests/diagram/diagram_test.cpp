#include "http/router.hpp"
#include "http/routes.hpp"

#include <conductor/codec.hpp>
#include <conductor/diagram.hpp>
#include <conductor/engine.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace conductor;

namespace {

// A fork whose branch `a` fails once and is retried, then a loop of two iterations, then a switch
// that takes its `big` case.
constexpr const char* kDefinition = R"({
  "name": "shapes", "version": 1, "schemaVersion": 2,
  "tasks": [
    {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN",
     "forkTasks": [[{"name": "work_a", "taskReferenceName": "a"}],
                   [{"name": "b", "taskReferenceName": "b", "type": "INLINE",
                     "inputParameters": {"evaluatorType": "javascript", "expression": "2"}}]]},
    {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["a", "b"]},
    {"name": "loop", "taskReferenceName": "loop", "type": "DO_WHILE",
     "loopCondition": "$.loop['iteration'] < 2",
     "loopOver": [{"name": "step", "taskReferenceName": "step", "type": "INLINE",
                   "inputParameters": {"evaluatorType": "javascript", "expression": "1"}}]},
    {"name": "pick", "taskReferenceName": "pick", "type": "SWITCH", "evaluatorType": "value-param",
     "expression": "size", "inputParameters": {"size": "big"},
     "decisionCases": {"big": [{"name": "big", "taskReferenceName": "big_one", "type": "INLINE",
                                 "inputParameters": {"evaluatorType": "javascript", "expression": "3"}}],
                       "small": [{"name": "small", "taskReferenceName": "small_one", "type": "INLINE",
                                  "inputParameters": {"evaluatorType": "javascript", "expression": "4"}}]}}
  ]
})";

struct Run {
  Engine engine{{.background = false}};
  std::string id;

  Run() {
    engine.metadata().register_task_defs({decode<TaskDef>(R"({"name": "work_a", "retryCount": 1, "retryDelaySeconds": 0})")});
    engine.metadata().register_workflow_def(decode<WorkflowDef>(kDefinition));
    id = engine.executor().start_workflow({.name = "shapes"});
    report(TaskResultStatus::kFailed);
    report(TaskResultStatus::kCompleted);
  }
  void report(TaskResultStatus status) {
    auto task = engine.queue().batch_poll("work_a", "w", std::nullopt, 1, std::chrono::milliseconds(0)).at(0);
    engine.queue().update_task({.workflow_instance_id = id, .task_id = task.task_id, .status = status});
  }
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("diagram: a run with a fork, a retry, a loop and a switch", "[diagram]") {
  Run run;
  const Workflow wf = run.engine.executor().get_workflow(run.id, true);
  REQUIRE(wf.status == WorkflowStatus::kCompleted);
  const std::string dot = diagram::of_run(wf, diagram::Format::kDot);
  INFO(dot);
  // Every node, with its status; the retried task with its attempts; the loop with its iterations.
  CHECK(has(dot, R"(label="a\nwork_a\nCOMPLETED · 2 attempts")"));
  CHECK(has(dot, R"(label="b\nINLINE\nCOMPLETED")"));
  CHECK(has(dot, R"(label="loop\nDO_WHILE\nCOMPLETED · 2 iterations")"));
  CHECK(has(dot, R"(label="step\nINLINE\nCOMPLETED · 2 iterations")"));
  CHECK(has(dot, R"(label="next iteration")"));
  // The switch's case that ran is a solid edge; the other case never ran and is dashed.
  CHECK(has(dot, R"(label="big", penwidth=2)"));
  CHECK(has(dot, R"(label="small", style=dashed)"));
  CHECK(has(dot, R"(style="rounded,dashed", fontcolor="#888888", label="small_one\nINLINE")"));

  const std::string svg = diagram::of_run(wf, diagram::Format::kSvg);
  CHECK(has(svg, "<svg"));
  CHECK(has(svg, "2 attempts"));
  CHECK(has(svg, "2 iterations"));
}

TEST_CASE("diagram: a definition has every node and no statuses", "[diagram]") {
  const std::string dot = diagram::of_definition(decode<WorkflowDef>(kDefinition), diagram::Format::kDot);
  for (const char* ref : {"fork", "\"a\\n", "\"b\\n", "join", "loop", "step", "pick", "big_one", "small_one"}) {
    CHECK(has(dot, ref));
  }
  CHECK_FALSE(has(dot, "COMPLETED"));
  CHECK(has(diagram::of_definition(decode<WorkflowDef>(kDefinition), diagram::Format::kSvg), "<svg"));
}

TEST_CASE("diagram: served as SVG and DOT over HTTP", "[diagram]") {
  Run run;
  http::Router router = http::make_router(run.engine);
  auto get = [&](const std::string& target) { return router.dispatch(http::Request(http::Method::kGet, target)); };
  auto svg = get("/diagram/run/" + run.id + ".svg");
  CHECK(svg.status == 200);
  CHECK(svg.content_type == "image/svg+xml");
  CHECK(has(svg.body, "<svg"));
  auto dot = get("/diagram/run/" + run.id + ".dot");
  CHECK(dot.status == 200);
  CHECK(has(dot.body, "digraph"));
  CHECK(get("/diagram/definition/shapes.svg?version=1").status == 200);
  CHECK(get("/diagram/definition/shapes.svg?version=7").status == 404);
  CHECK(get("/diagram/run/" + run.id + ".png").status == 400);
  CHECK(get("/diagram/run/missing.svg").status == 404);
}
