#include "system_task_fixture.hpp"

#include "tasks/terminate.hpp"

using namespace conductor;
using detail::TerminateTask;

namespace {
Task run(SystemTaskFixture& f, const std::string& input) {
  TerminateTask terminate;
  auto task = f.map_one(terminate, R"({"name": "t", "taskReferenceName": "t", "type": "TERMINATE",
                                       "inputParameters": )" + input + "}");
  CHECK(task.status == TaskStatus::kInProgress);
  CHECK(f.execute(terminate, task));
  return task;
}
}  // namespace

TEST_CASE("terminate: the output is workflowOutput's entries, or the value as `output`", "[unit]") {
  SystemTaskFixture f;
  f.workflow.input = JsonObject{{"n", 2}};
  auto object = run(f, R"({"terminationStatus": "COMPLETED", "workflowOutput": {"a": 1}})");
  CHECK(object.status == TaskStatus::kCompleted);
  CHECK(object.output_data == JsonObject{{"a", 1}});
  CHECK(run(f, R"({"terminationStatus": "FAILED", "workflowOutput": [1, 2]})").output_data ==
        JsonObject{{"output", JsonArray{1, 2}}});
  CHECK(run(f, R"({"terminationStatus": "TERMINATED", "workflowOutput": null})").output_data.empty());
  CHECK(run(f, R"({"terminationStatus": "COMPLETED", "n": "${workflow.input.n}"})").input_data.at("n") == 2);
}

TEST_CASE("terminate: an unknown status fails the task", "[unit]") {
  SystemTaskFixture f;
  auto task = run(f, R"({"terminationStatus": "PAUSED"})");
  CHECK(task.status == TaskStatus::kFailed);
  CHECK(task.reason_for_incompletion == "given termination status is not valid");
}
