// WorkflowExecutor::execute and run_state: a run is answered once it ends or blocks, waiting on
// commits rather than on a timer.
#include "engine_fixture.hpp"

#include <conductor/error.hpp>
#include <conductor/run_watch.hpp>

#include <thread>

using namespace conductor;
using namespace std::chrono_literals;

namespace {

void define(EngineFixture& f) {
  f.workflow_def(R"({"name": "instant", "tasks": [
      {"name": "shout", "taskReferenceName": "shout", "type": "INLINE",
       "inputParameters": {"evaluatorType": "javascript", "who": "${workflow.input.who}",
                           "expression": "$.who + '!'"}}],
      "outputParameters": {"shout": "${shout.output.result}"}})");
  f.workflow_def(R"({"name": "two_workers", "tasks": [
      {"name": "task_a", "taskReferenceName": "a"}, {"name": "task_b", "taskReferenceName": "b"}]})");
  f.workflow_def(R"({"name": "approval", "tasks": [
      {"name": "prepare", "taskReferenceName": "prepare", "type": "SET_VARIABLE", "inputParameters": {"v": 1}},
      {"name": "wait", "taskReferenceName": "hold", "type": "WAIT"},
      {"name": "task_a", "taskReferenceName": "a"}]})");
}

StartWorkflowRequest request(const std::string& name, JsonObject input = {}) {
  StartWorkflowRequest r;
  r.name = name;
  r.input = std::move(input);
  return r;
}

/// Completes one task of `type` from another thread once it is pollable: the long poll wakes on the
/// push, so no timing is involved.
std::thread complete_later(EngineFixture& f, const std::string& type) {
  return std::thread([&f, type] {
    for (;;) {
      auto tasks = f.engine.queue().batch_poll(type, "w", {}, 1, std::chrono::milliseconds(5000));
      if (tasks.empty()) continue;
      TaskResult r;
      r.workflow_instance_id = tasks.front().workflow_instance_id;
      r.task_id = tasks.front().task_id;
      r.status = TaskResultStatus::kCompleted;
      f.engine.queue().update_task(r);
      return;
    }
  });
}

}  // namespace

TEST_CASE("execute: a run that ends at once is answered with its output and the request id", "[scenario]") {
  EngineFixture f;
  define(f);
  auto state = f.engine.executor().execute(request("instant", {{"who", "ada"}}), {.request_id = "req-1"});
  CHECK(state.target.status == WorkflowStatus::kCompleted);
  CHECK(state.target.output.at("shout") == "ada!");
  CHECK(state.request_id == "req-1");
  CHECK_FALSE(state.timed_out);
  CHECK(state.blocking_tasks.empty());
  CHECK(state.blocking_workflow.workflow_id == state.target.workflow_id);
  // The run is stored like any other.
  CHECK(f.workflow(state.target.workflow_id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("execute: without a request id each call draws its own", "[scenario]") {
  EngineFixture f;
  define(f);
  auto first = f.engine.executor().execute(request("instant", {{"who", "a"}}));
  auto second = f.engine.executor().execute(request("instant", {{"who", "a"}}));
  CHECK(first.request_id.size() == 36);
  CHECK(first.request_id != second.request_id);
  CHECK(first.target.workflow_id != second.target.workflow_id);
}

TEST_CASE("execute: a WAIT task without a duration blocks the run and is answered", "[scenario]") {
  EngineFixture f;
  define(f);
  auto state = f.engine.executor().execute(request("approval"));
  CHECK(state.target.status == WorkflowStatus::kRunning);
  REQUIRE(state.blocking_tasks.size() == 1);
  CHECK(state.blocking_tasks.front().reference_task_name == "hold");
  CHECK_FALSE(state.timed_out);
}

TEST_CASE("execute: a WAIT with a duration does not block, the wait times out", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "timed", "tasks": [{"name": "wait", "taskReferenceName": "pause", "type": "WAIT",
                     "inputParameters": {"duration": "1 hour"}}]})");
  auto state = f.engine.executor().execute(request("timed"), {.timeout = 0ms});
  CHECK(state.timed_out);
  CHECK(state.blocking_tasks.empty());
  CHECK(state.target.status == WorkflowStatus::kRunning);
}

TEST_CASE("execute: waits for a worker, woken by its update", "[scenario]") {
  EngineFixture f;
  define(f);
  auto worker = complete_later(f, "task_a");
  auto state = f.engine.executor().execute(request("two_workers"), {.wait_until_task_refs = {"a"}, .timeout = 60s});
  worker.join();
  CHECK_FALSE(state.timed_out);
  REQUIRE(state.blocking_tasks.size() == 1);
  CHECK(state.blocking_tasks.front().reference_task_name == "a");
  CHECK(state.blocking_tasks.front().status == TaskStatus::kCompleted);
  CHECK(state.target.status == WorkflowStatus::kRunning);
}

TEST_CASE("execute: a run still going at the timeout is answered as it stands", "[scenario]") {
  EngineFixture f;
  define(f);
  auto state = f.engine.executor().execute(request("two_workers"), {.wait_until_task_refs = {"b"}, .timeout = 0ms});
  CHECK(state.timed_out);
  CHECK(state.target.status == WorkflowStatus::kRunning);
  CHECK(state.blocking_tasks.empty());
  CHECK(state.blocking_workflow.workflow_id == state.target.workflow_id);
  CHECK(EngineFixture::statuses(state.target) == std::vector<std::string>{"a:SCHEDULED"});
}

TEST_CASE("execute: an unknown workflow or bad input throws before anything waits", "[scenario]") {
  EngineFixture f;
  CHECK_THROWS_AS(f.engine.executor().execute(request("missing")), NotFoundError);
  CHECK_THROWS_AS(f.engine.executor().run_state("no-such-id"), NotFoundError);
  StartWorkflowRequest nameless;
  CHECK_THROWS_AS(f.engine.executor().execute(nameless), ValidationError);
}

TEST_CASE("run_state: looks into running sub-workflows for what blocks", "[scenario]") {
  EngineFixture f;
  define(f);
  f.workflow_def(R"({"name": "outer", "tasks": [{"name": "sub", "taskReferenceName": "sub", "type": "SUB_WORKFLOW",
                     "subWorkflowParam": {"name": "approval", "version": 1}}]})");
  auto id = f.start("outer");
  f.advance(0);  // the sweeper starts the child
  auto state = f.engine.executor().run_state(id);
  REQUIRE(state.blocking_tasks.size() == 1);
  CHECK(state.blocking_tasks.front().reference_task_name == "hold");
  CHECK(state.blocking_workflow.workflow_id != id);
  CHECK(state.blocking_workflow.parent_workflow_id == id);
  CHECK(state.workflow_ids == std::vector<std::string>{id, state.blocking_workflow.workflow_id});
  CHECK(state.target.workflow_id == id);
}

TEST_CASE("run watch: a wake comes with the commit that changes the run, and not before", "[scenario]") {
  EngineFixture f;
  define(f);
  auto id = f.start("two_workers");
  RunWatch watch(f.engine.executor(), id, {.wait_until_task_refs = {"a"}, .timeout = 60s});
  int wakes = 0;
  CHECK_FALSE(watch.attempt([&] { ++wakes; }));
  CHECK(wakes == 0);
  f.engine.executor().start_workflow(request("two_workers"));  // another run wakes nobody here
  CHECK(wakes == 0);
  f.complete(f.poll("task_a"));
  CHECK(wakes == 1);
  auto state = watch.attempt([&] { ++wakes; });
  REQUIRE(state);
  CHECK(state->blocking_tasks.front().reference_task_name == "a");
  // Settled: nothing stays armed.
  f.complete(f.poll("task_b"));
  CHECK(wakes == 1);
}
