// Reference names may contain `__` of their own: only a loop iteration's task carries the `__N`
// suffix the engine strips. SDKs name the nodes of a fork `__fork_1` and `__join_1`.
#include "engine_fixture.hpp"

using namespace conductor;
using Statuses = std::vector<std::string>;

SCENARIO("reference names: a fork and join named `__fork_1` and `__join_1` lead on to the next task",
         "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "work"})");
  f.workflow_def(R"({"name": "sdk_fork", "tasks": [
      {"name": "fork", "taskReferenceName": "__fork_1", "type": "FORK_JOIN",
       "forkTasks": [[{"name": "work", "taskReferenceName": "a__left"}], [{"name": "work", "taskReferenceName": "b"}]]},
      {"name": "join", "taskReferenceName": "__join_1", "type": "JOIN", "joinOn": ["a__left", "b"]},
      {"name": "work", "taskReferenceName": "after__join"}]})");
  auto id = f.start("sdk_fork");
  f.complete(f.poll("work"));
  f.complete(f.poll("work"));
  auto after = f.poll("work");
  CHECK(after.reference_task_name == "after__join");
  f.complete(after);
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(EngineFixture::statuses(wf) == Statuses{"__fork_1:COMPLETED", "a__left:COMPLETED", "b:COMPLETED",
                                                "__join_1:COMPLETED", "after__join:COMPLETED"});
}

SCENARIO("reference names: a loop body named with `__` runs each iteration and then the next task", "[scenario]") {
  EngineFixture f;
  f.task_def(R"({"name": "work"})");
  f.workflow_def(R"({"name": "loop_names", "tasks": [
      {"name": "loop", "taskReferenceName": "my__loop", "type": "DO_WHILE",
       "loopCondition": "$.my__loop['iteration'] < 2",
       "loopOver": [{"name": "work", "taskReferenceName": "step__one"}, {"name": "work", "taskReferenceName": "step__2"}]},
      {"name": "work", "taskReferenceName": "done__1"}]})");
  auto id = f.start("loop_names");
  for (int i = 0; i < 4; ++i) f.complete(f.poll("work"));
  auto last = f.poll("work");
  CHECK(last.reference_task_name == "done__1");
  f.complete(last);
  auto wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(EngineFixture::statuses(wf) ==
        Statuses{"my__loop:COMPLETED", "step__one__1:COMPLETED", "step__2__1:COMPLETED", "step__one__2:COMPLETED",
                 "step__2__2:COMPLETED", "done__1:COMPLETED"});
}
