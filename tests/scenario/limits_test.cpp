#include "engine_fixture.hpp"

#include <conductor/limits.hpp>

using namespace conductor;
using Statuses = std::vector<std::string>;

namespace {

// An engine whose bounds are small enough to reach in a few steps.
EngineFixture with_limits(const Limits& limits) {
  return EngineFixture([&](EngineOptions& options) { options.limits = limits; });
}

bool contains(const std::optional<std::string>& text, std::string_view part) {
  return text && text->find(part) != std::string::npos;
}

std::string reason(const Workflow& wf) { return wf.reason_for_incompletion.value_or(""); }

const Task& task_of(const Workflow& wf, const std::string& ref) {
  for (auto it = wf.tasks.rbegin(); it != wf.tasks.rend(); ++it)
    if (it->reference_task_name == ref) return *it;
  FAIL("no task " << ref);
  throw;
}

// A loop around one worker task that goes on while `${workflow.input.more}` is true.
constexpr const char* kEndlessLoop = R"({"name": "endless", "tasks": [
    {"name": "loop", "taskReferenceName": "loop", "type": "DO_WHILE", "inputParameters": {"more": "${workflow.input.more}"},
     "loopCondition": "$.more", "loopOver": [{"name": "work", "taskReferenceName": "work"}]}]})";

// A dynamic fork of one worker task per item of `${workflow.input.items}`.
constexpr const char* kDynamicFork = R"({"name": "fan_out", "tasks": [
    {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN_DYNAMIC",
     "inputParameters": {"forkTaskName": "work", "forkTaskInputs": "${workflow.input.items}"}},
    {"name": "join", "taskReferenceName": "join", "type": "JOIN"}]})";

std::string static_fork(int branches) {
  std::string list;
  for (int i = 0; i < branches; ++i)
    list += fmt::format(R"({}[{{"name": "work", "taskReferenceName": "b{}"}}])", i ? "," : "", i);
  return fmt::format(R"({{"name": "forked", "tasks": [
      {{"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN", "forkTasks": [{}]}},
      {{"name": "join", "taskReferenceName": "join", "type": "JOIN"}}]}})",
                     list);
}

}  // namespace

TEST_CASE("limits: a loop that would grow past the tasks bound fails the workflow, adding nothing", "[scenario][limits]") {
  auto f = with_limits({.max_tasks_per_workflow = 4});
  f.task_def(R"({"name": "work"})");
  f.workflow_def(kEndlessLoop);
  const auto id = f.start("endless", {{"more", true}});
  // loop + work__1..work__3 is four tasks: the fourth iteration would make five.
  for (int i = 0; i < 3; ++i) f.complete(f.poll("work"));

  const Workflow wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(reason(wf) ==
        "Scheduling 1 more tasks would take the workflow to 5 tasks, more than the limit of 4 tasks per workflow");
  CHECK(EngineFixture::statuses(wf) ==
        Statuses{"loop:CANCELED", "work__1:COMPLETED", "work__2:COMPLETED", "work__3:COMPLETED"});
  CHECK(f.nothing_to_poll("work"));
}

TEST_CASE("limits: keepLastN keeps a long loop under the tasks bound", "[scenario][limits]") {
  auto f = with_limits({.max_tasks_per_workflow = 4});
  f.task_def(R"({"name": "work"})");
  f.workflow_def(R"({"name": "kept", "tasks": [
      {"name": "loop", "taskReferenceName": "loop", "type": "DO_WHILE",
       "inputParameters": {"keepLastN": 2}, "loopCondition": "$.loop['iteration'] < 6",
       "loopOver": [{"name": "work", "taskReferenceName": "work"}]}]})");
  const auto id = f.start("kept");
  for (int i = 0; i < 6; ++i) f.complete(f.poll("work"));
  CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("limits: a definition with more task nodes than the tasks bound is refused", "[scenario][limits]") {
  auto f = with_limits({.max_tasks_per_workflow = 2});
  const auto def = decode<WorkflowDef>(R"({"name": "three", "tasks": [
      {"name": "a", "taskReferenceName": "a"}, {"name": "b", "taskReferenceName": "b"},
      {"name": "c", "taskReferenceName": "c"}]})");
  try {
    f.engine.metadata().register_workflow_def(def);
    FAIL("registered");
  } catch (const ValidationError& error) {
    REQUIRE(error.violations().size() == 1);
    CHECK(error.violations()[0].path == "registerWorkflowDef.workflowDef.tasks");
    CHECK(error.violations()[0].message == "The definition has 3 task nodes, more than the limit of 2 tasks per workflow");
  }
  StartWorkflowRequest inline_start;
  inline_start.workflow_def = def;
  inline_start.input = JsonObject{};
  CHECK_THROWS_AS(f.engine.executor().start_workflow(inline_start), ValidationError);
  CHECK_FALSE(f.engine.metadata().find_workflow_def("three", 1));
}

TEST_CASE("limits: a static fork with more branches than the bound is refused at validation", "[scenario][limits]") {
  auto f = with_limits({.max_fork_branches = 2});
  f.workflow_def(static_fork(2));
  try {
    f.engine.metadata().validate_workflow_def(decode<WorkflowDef>(static_fork(3)));
    FAIL("validated");
  } catch (const ValidationError& error) {
    REQUIRE(error.violations().size() == 1);
    CHECK(error.violations()[0].path == "validateWorkflowDef.workflowDef.tasks[0].forkTasks");
    CHECK(error.violations()[0].message == "FORK_JOIN task fork has 3 branches, more than the limit of 2 fork branches");
  }
}

TEST_CASE("limits: a dynamic fork past the branches bound fails the workflow before any branch", "[scenario][limits]") {
  auto f = with_limits({.max_fork_branches = 2});
  f.task_def(R"({"name": "work"})");
  f.workflow_def(kDynamicFork);
  const auto fits = f.start("fan_out", {{"items", JsonArray{1, 2}}});
  CHECK(f.workflow(fits).status == WorkflowStatus::kRunning);

  const auto id = f.start("fan_out", {{"items", JsonArray{1, 2, 3}}});
  const Workflow wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(reason(wf) == "Dynamic fork fork has 3 branches, more than the limit of 2 fork branches");
  CHECK(wf.tasks.empty());
}

TEST_CASE("limits: a dynamic fork that would take the workflow past the tasks bound fails it", "[scenario][limits]") {
  auto f = with_limits({.max_tasks_per_workflow = 4});
  f.task_def(R"({"name": "work"})");
  f.workflow_def(kDynamicFork);
  // fork, three branches and the join: five tasks.
  const Workflow wf = f.workflow(f.start("fan_out", {{"items", JsonArray{1, 2, 3}}}));
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(contains(wf.reason_for_incompletion, "more than the limit of 4 tasks per workflow"));
  CHECK(wf.tasks.empty());
  CHECK(f.nothing_to_poll("work"));
}

TEST_CASE("limits: a DO_WHILE past the iterations bound fails its loop task", "[scenario][limits]") {
  auto f = with_limits({.max_do_while_iterations = 2});
  f.task_def(R"({"name": "work"})");
  f.workflow_def(kEndlessLoop);
  const auto id = f.start("endless", {{"more", true}});
  f.complete(f.poll("work"));
  f.complete(f.poll("work"));

  const Workflow wf = f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kFailed);
  const Task& loop = task_of(wf, "loop");
  CHECK(loop.status == TaskStatus::kFailedWithTerminalError);
  CHECK(loop.reason_for_incompletion == "DO_WHILE loop reached the limit of 2 iterations");
  CHECK(contains(wf.reason_for_incompletion, "DO_WHILE loop reached the limit of 2 iterations"));
  CHECK(f.nothing_to_poll("work"));

  // A loop that ends within the bound is not touched.
  const auto short_run = f.start("endless", {{"more", false}});
  f.complete(f.poll("work"));
  CHECK(f.workflow(short_run).status == WorkflowStatus::kCompleted);
}

TEST_CASE("limits: a workflow starting itself stops at the sub-workflow depth bound", "[scenario][limits]") {
  auto f = with_limits({.max_sub_workflow_depth = 2});
  f.workflow_def(R"({"name": "recursive", "tasks": [
      {"name": "again", "taskReferenceName": "again", "type": "SUB_WORKFLOW",
       "subWorkflowParam": {"name": "recursive"}}]})");
  const auto root = f.start("recursive");
  for (int i = 0; i < 10; ++i) f.advance(0);

  // root -> depth 1 -> depth 2, whose SUB_WORKFLOW task may not start a third level.
  const std::string first = *task_of(f.workflow(root), "again").sub_workflow_id;
  const std::string second = *task_of(f.workflow(first), "again").sub_workflow_id;
  const Workflow deepest = f.workflow(second);
  const Task& refused = task_of(deepest, "again");
  CHECK(refused.status == TaskStatus::kFailed);
  CHECK_FALSE(refused.sub_workflow_id);
  CHECK(refused.reason_for_incompletion ==
        "Sub workflow recursive would be nested deeper than the limit of 2 sub-workflow levels");
  for (const auto& id : {root, first, second}) {
    const Workflow wf = f.workflow(id);
    CHECK(wf.status == WorkflowStatus::kFailed);
    CHECK(contains(wf.reason_for_incompletion, "deeper than the limit of 2 sub-workflow levels"));
  }
}

TEST_CASE("limits: a workflow definition larger than the bound is refused as too large", "[scenario][limits]") {
  auto f = with_limits({.max_workflow_def_kb = 1});
  const auto big = decode<WorkflowDef>(fmt::format(
      R"({{"name": "big", "description": "{}", "tasks": [{{"name": "a", "taskReferenceName": "a"}}]}})",
      std::string(1100, 'd')));
  CHECK_THROWS_AS(f.engine.metadata().register_workflow_def(big), TooLargeError);
  CHECK_THROWS_AS(f.engine.metadata().update_workflow_defs({big}), TooLargeError);
  CHECK_THROWS_AS(f.engine.metadata().validate_workflow_def(big), TooLargeError);
  StartWorkflowRequest inline_start;
  inline_start.workflow_def = big;
  inline_start.input = JsonObject{};
  CHECK_THROWS_AS(f.engine.executor().start_workflow(inline_start), TooLargeError);
  CHECK_FALSE(f.engine.metadata().find_workflow_def("big", 1));

  WorkflowDef small = big;
  small.description = "fits";
  CHECK_NOTHROW(f.engine.metadata().register_workflow_def(small));
}

TEST_CASE("limits: a search page larger than the bound is refused", "[scenario][limits]") {
  auto f = with_limits({.max_search_page_size = 10});
  SearchQuery query;
  query.size = 10;
  CHECK_NOTHROW(f.engine.executor().search(query));
  CHECK_NOTHROW(f.engine.queue().search(query));
  query.size = 11;
  try {
    f.engine.executor().search(query);
    FAIL("searched");
  } catch (const ValidationError& error) {
    CHECK(error.message() == "Cannot return more than 10 workflows. Please use pagination.");
  }
  CHECK_THROWS_AS(f.engine.executor().search_by_tasks(query), ValidationError);
  CHECK_THROWS_AS(f.engine.queue().search(query), ValidationError);
}

TEST_CASE("limits: a long log message is refused on its own and cut when it comes with a result", "[scenario][limits]") {
  auto f = with_limits({.max_task_log_kb = 1});
  f.task_def(R"({"name": "work"})");
  f.workflow_def(R"({"name": "one", "tasks": [{"name": "work", "taskReferenceName": "work"}]})");
  f.start("one");
  const Task task = f.poll("work");

  CHECK_NOTHROW(f.engine.queue().add_log(task.task_id, std::string(1024, 'a')));
  CHECK_THROWS_AS(f.engine.queue().add_log(task.task_id, std::string(1025, 'b')), TooLargeError);
  REQUIRE(f.engine.queue().logs(task.task_id).size() == 1);

  // 1023 ASCII bytes then two-byte characters: the cut falls before the one that would straddle 1024.
  TaskResult result;
  result.workflow_instance_id = task.workflow_instance_id;
  result.task_id = task.task_id;
  result.status = TaskResultStatus::kCompleted;
  std::string accented = std::string(1023, 'c');
  for (int i = 0; i < 10; ++i) accented += "\xC3\xA9";
  result.logs.push_back({accented, task.task_id, 0});
  f.engine.queue().update_task(result);

  const auto logs = f.engine.queue().logs(task.task_id);
  REQUIRE(logs.size() == 2);
  CHECK(std::any_of(logs.begin(), logs.end(), [](const TaskExecLog& log) { return log.log == std::string(1023, 'c'); }));
  CHECK(f.engine.queue().get_task(task.task_id).status == TaskStatus::kCompleted);
}

TEST_CASE("limits: a payload over its maximum is refused as too large", "[scenario][limits]") {
  auto f = EngineFixture([](EngineOptions& options) { options.payload_limits.workflow_input_max_kb = 1; });
  f.workflow_def(R"({"name": "one", "tasks": [{"name": "work", "taskReferenceName": "work"}]})");
  CHECK_THROWS_AS(f.start("one", {{"blob", std::string(2000, 'p')}}), TooLargeError);
  CHECK(f.engine.executor().search({}).total_hits == 0);
}
