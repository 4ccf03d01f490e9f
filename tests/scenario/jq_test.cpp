#include "engine_fixture.hpp"

using namespace conductor;

namespace {

// One JSON_JQ_TRANSFORM task `jq` running `query` over inputs in1 and in2; returns the workflow.
Workflow run(EngineFixture& f, const std::string& query, JsonObject input) {
  f.workflow_def(R"({"name": "jq_wf", "tasks": [{"name": "jq", "taskReferenceName": "jq",
      "type": "JSON_JQ_TRANSFORM", "inputParameters": {"in1": "${workflow.input.in1}", "in2": "${workflow.input.in2}",
      "queryExpression": )" + to_json_text(Json(query)) + R"(}}],
      "outputParameters": {"result": "${jq.output.result}"}})");
  return f.workflow(f.start("jq_wf", std::move(input)));
}

}  // namespace

TEST_CASE("jq: a transform's first result and all results are the task output", "[scenario]") {
  EngineFixture f;
  auto wf = run(f, "{ out: (.in1.array + .in2.array) }", {{"in1", JsonObject{{"array", JsonArray{"a", "b"}}}},
                                                          {"in2", JsonObject{{"array", JsonArray{"c", "d"}}}}});
  CHECK(wf.status == WorkflowStatus::kCompleted);
  REQUIRE(wf.tasks.size() == 1);
  const Task& jq = wf.tasks[0];
  CHECK(jq.task_type == "JSON_JQ_TRANSFORM");
  CHECK(jq.status == TaskStatus::kCompleted);
  const Json out = JsonObject{{"out", JsonArray{"a", "b", "c", "d"}}};
  CHECK(jq.output_data.at("result") == out);
  CHECK(jq.output_data.at("resultList") == JsonArray{out});
  CHECK(wf.output.at("result") == out);
}

TEST_CASE("jq: every value the program emits is listed, numbers keep their kind", "[scenario]") {
  EngineFixture f;
  auto wf = run(f, ".in1[] | . * 2", {{"in1", JsonArray{1, 2.5, 3}}});
  const Task& jq = wf.tasks[0];
  CHECK(jq.output_data.at("result") == 2);
  CHECK(jq.output_data.at("result").is_int64());
  CHECK(jq.output_data.at("resultList") == JsonArray{2, 5, 6});
  CHECK(jq.output_data.at("resultList").as_array()[1].is_int64());
}

TEST_CASE("jq: fractions stay doubles", "[scenario]") {
  EngineFixture f;
  CHECK(run(f, ".in1 / 4", {{"in1", 1}}).tasks[0].output_data.at("result") == 0.25);
}

TEST_CASE("jq: a program that emits nothing gives a null result and an empty list", "[scenario]") {
  EngineFixture f;
  auto wf = run(f, "empty", {});
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(wf.tasks[0].output_data.at("result").is_null());
  CHECK(wf.tasks[0].output_data.at("resultList") == JsonArray{});
}

TEST_CASE("jq: a runtime error fails the task with jq's message", "[scenario]") {
  EngineFixture f;
  auto wf = run(f, ".in1.array", {{"in1", "not an object"}});
  CHECK(wf.status == WorkflowStatus::kFailed);
  const Task& jq = wf.tasks[0];
  CHECK(jq.status == TaskStatus::kFailed);
  CHECK(jq.reason_for_incompletion == R"(Cannot index string with string "array")");
  CHECK(jq.output_data.at("error") == R"(Cannot index string with string "array")");
}

TEST_CASE("jq: a program that does not compile fails the task", "[scenario]") {
  EngineFixture f;
  auto wf = run(f, ".in1 | {", {});
  const Task& jq = wf.tasks[0];
  CHECK(jq.status == TaskStatus::kFailed);
  CHECK_THAT(*jq.reason_for_incompletion, Catch::StartsWith("syntax error"));
  CHECK(jq.output_data.at("error") == Json(*jq.reason_for_incompletion));
}

TEST_CASE("jq: a query expression that resolves to nothing fails the task", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "jq_wf", "tasks": [{"name": "jq", "taskReferenceName": "jq",
      "type": "JSON_JQ_TRANSFORM", "inputParameters": {"queryExpression": "${workflow.input.q}"}}]})");
  auto wf = f.workflow(f.start("jq_wf"));
  CHECK(wf.tasks[0].status == TaskStatus::kFailed);
  CHECK(wf.tasks[0].reason_for_incompletion == "Missing 'queryExpression' in input parameters");
}

TEST_CASE("jq: the task definition's input template can hold the program", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "jq_def", "inputTemplate": {"queryExpression": ".n + 1"}})");
  f.workflow_def(R"({"name": "jq_wf", "tasks": [{"name": "jq_def", "taskReferenceName": "jq",
      "type": "JSON_JQ_TRANSFORM", "inputParameters": {"n": "${workflow.input.n}"}}]})");
  auto wf = f.workflow(f.start("jq_wf", {{"n", 41}}));
  CHECK(wf.tasks[0].output_data.at("result") == 42);
}
