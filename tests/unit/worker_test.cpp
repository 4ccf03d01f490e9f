#include <conductor/codec.hpp>
#include <conductor/engine.hpp>

#include <catch2/catch.hpp>

#include <conductor/storage/sqlite.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "counting_storage.hpp"
#include "fault_injecting_storage.hpp"

using namespace conductor;

namespace {

EngineOptions test_options() {
  EngineOptions options;
  options.clock = std::make_unique<ManualClock>();
  options.background = false;
  return options;
}

// Waits (bounded) until the workflow leaves RUNNING; worker threads move it.
Workflow wait_done(Engine& engine, const std::string& id) {
  for (int i = 0; i < 2000; ++i) {
    auto wf = engine.executor().get_workflow(id);
    if (wf.status != WorkflowStatus::kRunning) return wf;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  FAIL("workflow did not finish");
  return {};
}

void one_task(Engine& engine, const std::string& type, int retries = 0) {
  engine.metadata().register_task_defs({decode<TaskDef>(
      R"({"name": ")" + type + R"(", "retryCount": )" + std::to_string(retries) + R"(, "retryDelaySeconds": 0})")});
  engine.metadata().register_workflow_def(decode<WorkflowDef>(R"({"name": "wf_)" + type +
                                                              R"(", "tasks": [{"name": ")" + type +
                                                              R"(", "taskReferenceName": "t"}]})"));
}

}  // namespace

static_assert(WorkerFunction<JsonObject (*)(const Task&)>);
static_assert(WorkerFunction<TaskResult (*)(const Task&)>);
static_assert(!WorkerFunction<int (*)(const Task&)>);
static_assert(!WorkerFunction<JsonObject (*)(int)>);

TEST_CASE("worker: a callback's output completes the task", "[unit]") {
  Engine engine(test_options());
  one_task(engine, "echo");
  engine.workers().add({.task_type = "echo"}, [](const Task& t) { return JsonObject{{"seen", t.input_data}}; });
  engine.workers().start();
  auto id = engine.executor().start_workflow({.name = "wf_echo", .input = JsonObject{{"a", 1}}});
  auto wf = wait_done(engine, id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(wf.tasks[0].worker_id == "in-process");
}

TEST_CASE("worker: reporting a result takes the next task of the type in the same transaction", "[unit]") {
  auto counting = std::make_unique<testing::CountingStorage>(open_sqlite({}));
  testing::CountingStorage& storage = *counting;
  EngineOptions options = test_options();
  options.storage = std::move(counting);
  Engine engine(std::move(options));
  one_task(engine, "step");
  engine.metadata().register_workflow_def(decode<WorkflowDef>(R"({"name": "chain", "tasks": [
      {"name": "step", "taskReferenceName": "a"}, {"name": "step", "taskReferenceName": "b"},
      {"name": "step", "taskReferenceName": "c"}]})"));
  auto id = engine.executor().start_workflow({.name = "chain"});
  const long before = storage.commits();
  engine.workers().add({.task_type = "step"}, [](const Task& t) { return JsonObject{{"ref", t.reference_task_name}}; });
  engine.workers().start();
  auto wf = wait_done(engine, id);
  // The completion is visible before its commit call has returned to the worker thread and been
  // counted: stopping the workers waits for that.
  engine.workers().stop();
  const long used = storage.commits() - before;
  REQUIRE(wf.status == WorkflowStatus::kCompleted);
  for (const auto& task : wf.tasks) CHECK(task.output_data.at("ref") == Json(task.reference_task_name));
  // One poll, then three results each taking the next task; the thread may have begun its next
  // poll already, which looks twice at an empty queue. Separate polls would make it seven to nine.
  CHECK(used >= 4);
  CHECK(used <= 6);
}

TEST_CASE("worker: the tasks of a batch are all worked before the next task is taken along", "[unit]") {
  Engine engine(test_options());
  one_task(engine, "batched");
  std::vector<std::string> started;
  for (int i = 0; i < 3; ++i) started.push_back(engine.executor().start_workflow({.name = "wf_batched"}));
  std::mutex mutex;
  std::vector<std::string> worked;
  engine.workers().add({.task_type = "batched", .batch_size = 2}, [&](const Task& t) {
    std::lock_guard lock(mutex);
    worked.push_back(t.workflow_instance_id);
    return JsonObject{};
  });
  engine.workers().start();
  for (const auto& id : started) CHECK(wait_done(engine, id).status == WorkflowStatus::kCompleted);
  // The first two come in one batch; the third is taken along by the second's report, not the first's.
  CHECK(worked == started);
}

TEST_CASE("worker: a returned TaskResult is reported as given", "[unit]") {
  Engine engine(test_options());
  one_task(engine, "refuse");
  engine.workers().add({.task_type = "refuse", .worker_id = "w-9"}, [](const Task&) {
    TaskResult r;
    r.status = TaskResultStatus::kFailedWithTerminalError;
    r.reason_for_incompletion = "no way";
    return r;
  });
  engine.workers().start();
  auto wf = wait_done(engine, engine.executor().start_workflow({.name = "wf_refuse"}));
  CHECK(wf.status == WorkflowStatus::kFailed);
  CHECK(wf.tasks[0].status == TaskStatus::kFailedWithTerminalError);
  CHECK(wf.tasks[0].reason_for_incompletion == "no way");
  CHECK(wf.tasks[0].worker_id == "w-9");
}

TEST_CASE("worker: an exception fails the task with its message and the thread lives on", "[unit]") {
  Engine engine(test_options());
  one_task(engine, "flaky", 1);
  std::atomic<int> calls{0};
  engine.workers().add({.task_type = "flaky"}, [&](const Task&) -> JsonObject {
    if (calls.fetch_add(1) == 0) throw std::runtime_error("first call explodes");
    return {{"ok", true}};
  });
  engine.workers().start();
  auto wf = wait_done(engine, engine.executor().start_workflow({.name = "wf_flaky"}));
  CHECK(wf.status == WorkflowStatus::kCompleted);
  REQUIRE(wf.tasks.size() == 2);
  CHECK(wf.tasks[0].status == TaskStatus::kFailed);
  CHECK(wf.tasks[0].reason_for_incompletion == "first call explodes");
  CHECK(wf.tasks[1].status == TaskStatus::kCompleted);
}

TEST_CASE("worker: threads run callbacks in parallel", "[unit]") {
  Engine engine(test_options());
  one_task(engine, "parallel");
  std::mutex m;
  std::condition_variable cv;
  int inside = 0, most = 0;
  engine.workers().add({.task_type = "parallel", .threads = 3}, [&](const Task&) {
    std::unique_lock lock(m);
    most = std::max(most, ++inside);
    cv.notify_all();
    // Hold until three callbacks are inside at once (bounded, so a failure cannot hang the suite).
    cv.wait_for(lock, std::chrono::seconds(5), [&] { return most >= 3; });
    --inside;
    return JsonObject{};
  });
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(engine.executor().start_workflow({.name = "wf_parallel"}));
  engine.workers().start();
  for (const auto& id : ids) CHECK(wait_done(engine, id).status == WorkflowStatus::kCompleted);
  CHECK(most == 3);
}

TEST_CASE("worker: stop lets an in-flight callback finish and report", "[unit]") {
  Engine engine(test_options());
  one_task(engine, "slow");
  std::atomic<bool> entered{false};
  engine.workers().add({.task_type = "slow"}, [&](const Task&) {
    entered = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return JsonObject{{"finished", true}};
  });
  engine.workers().start();
  auto id = engine.executor().start_workflow({.name = "wf_slow"});
  while (!entered) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  engine.workers().stop();
  auto wf = engine.executor().get_workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(wf.output.at("finished") == true);
}

TEST_CASE("worker: a worker for a domain takes only that domain's tasks", "[unit]") {
  Engine engine(test_options());
  one_task(engine, "dom");
  std::atomic<int> blue{0};
  engine.workers().add({.task_type = "dom", .domain = "blue"}, [&](const Task& t) {
    ++blue;
    return JsonObject{{"domain", t.domain.value_or("")}};
  });
  engine.workers().start();
  auto in_blue =
      engine.executor().start_workflow({.name = "wf_dom", .task_to_domain = {{"dom", "blue"}}});
  auto wf = wait_done(engine, in_blue);
  CHECK(wf.output.at("domain") == "blue");
  engine.workers().stop();
  auto plain = engine.executor().start_workflow({.name = "wf_dom"});
  CHECK(engine.queue().queue_size("dom") == 1);
  CHECK(engine.executor().get_workflow(plain).status == WorkflowStatus::kRunning);
  CHECK(blue == 1);
}

TEST_CASE("worker: a result that cannot be stored yet is retried until it lands, and the host's logger hears of it",
          "[unit]") {
  auto faulty = std::make_unique<testing::FaultInjectingStorage>(open_sqlite({}));
  testing::FaultInjectingStorage& storage = *faulty;
  std::mutex mutex;
  std::vector<std::pair<LogLevel, std::string>> logged;
  EngineOptions options = test_options();
  options.storage = std::move(faulty);
  options.logger = [&](LogLevel level, std::string_view message, const LogFields& fields) {
    std::lock_guard lock(mutex);
    logged.emplace_back(level, std::string(message));
    CHECK(std::find_if(fields.begin(), fields.end(), [](const auto& f) { return f.first == "taskId"; }) !=
          fields.end());
  };
  Engine engine(std::move(options));
  one_task(engine, "flaky_store");
  // The callback runs between the poll and the update: the update's first two commits fail.
  engine.workers().add({.task_type = "flaky_store"}, [&](const Task&) {
    storage.fail_commits(2);
    return JsonObject{{"stored", true}};
  });
  engine.workers().start();
  auto id = engine.executor().start_workflow({.name = "wf_flaky_store", .input = JsonObject{}});
  auto wf = wait_done(engine, id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(wf.tasks.at(0).output_data.at("stored") == true);
  engine.workers().stop();
  std::lock_guard lock(mutex);
  REQUIRE(logged.size() == 2);
  for (const auto& [level, message] : logged) {
    CHECK(level == LogLevel::kWarning);
    CHECK(message == "a worker's result could not be stored yet; retrying");
  }
}
