// A commit that fails leaves everything as it was before the change: the workflow, its tasks and the
// queues, and the engine's own cache of running workflows; the same call then succeeds.
#include <conductor/error.hpp>

#include "engine_fixture.hpp"
#include "fault_injecting_storage.hpp"

using namespace conductor;
using conductor::testing::FaultInjectingStorage;

namespace {

struct FaultFixture {
  FaultInjectingStorage* storage;
  EngineFixture f;

  FaultFixture() : FaultFixture(std::make_unique<FaultInjectingStorage>(open_sqlite({}))) {}
  explicit FaultFixture(std::unique_ptr<FaultInjectingStorage> faulty) : storage(faulty.get()), f(std::move(faulty)) {
    f.task_def(R"({"name": "work", "retryCount": 0, "responseTimeoutSeconds": 10, "timeoutSeconds": 0})");
    f.workflow_def(R"({"name": "two", "version": 1, "tasks": [
      {"name": "work", "taskReferenceName": "a"}, {"name": "work", "taskReferenceName": "b"}]})");
  }

  // The workflow with its tasks and every queue's counts, as text to compare.
  std::string state(const std::string& id) {
    auto wf = f.engine.executor().find_workflow(id, true);
    std::string text = wf ? encode(*wf) : "none";
    for (const auto& [queue, counts] : f.engine.queue().all_queue_details())
      text += fmt::format(" | {} {}/{}", queue, counts.size, counts.unacked);
    return text;
  }
};

}  // namespace

SCENARIO("faults: a start whose commit fails leaves no workflow behind", "[scenario]") {
  FaultFixture x;
  x.storage->fail_commits(1);
  CHECK_THROWS_AS(x.f.start("two"), UnavailableError);
  CHECK(x.f.engine.executor().running_workflow_ids("two", std::nullopt).empty());
  CHECK(x.f.engine.queue().all_queue_details().empty());
  CHECK(x.f.nothing_to_poll("work"));
  auto id = x.f.start("two");
  CHECK(x.f.poll("work").reference_task_name == "a");
  CHECK(x.f.workflow(id).status == WorkflowStatus::kRunning);
}

SCENARIO("faults: a poll whose commit fails hands nothing out", "[scenario]") {
  FaultFixture x;
  auto id = x.f.start("two");
  const auto before = x.state(id);
  x.storage->fail_commits(1);
  CHECK_THROWS_AS(x.f.engine.queue().batch_poll("work", "w", std::nullopt, 1, std::chrono::milliseconds(0)),
                  UnavailableError);
  CHECK(x.state(id) == before);
  auto task = x.f.poll("work");
  CHECK(task.reference_task_name == "a");
  CHECK(task.poll_count == 1);
}

SCENARIO("faults: a task update whose commit fails changes nothing, and goes through when repeated", "[scenario]") {
  FaultFixture x;
  auto id = x.f.start("two");
  auto a = x.f.poll("work");
  const auto before = x.state(id);
  x.storage->fail_commits(1);
  CHECK_THROWS_AS(x.f.complete(a, {{"n", 1}}), UnavailableError);
  CHECK(x.state(id) == before);
  CHECK(x.f.nothing_to_poll("work"));
  // The engine's cached state of the workflow did not take the failed change either.
  x.f.complete(a, {{"n", 1}});
  auto b = x.f.poll("work");
  CHECK(b.reference_task_name == "b");
  x.f.complete(b);
  auto wf = x.f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(EngineFixture::statuses(wf) == std::vector<std::string>{"a:COMPLETED", "b:COMPLETED"});
}

SCENARIO("faults: a sweep whose commits fail is done again at the next sweep", "[scenario]") {
  FaultFixture x;
  auto id = x.f.start("two");
  x.f.poll("work");
  x.f.clock->advance_seconds(11);  // past the response timeout
  const auto before = x.state(id);
  x.storage->fail_commits(1000);
  CHECK_THROWS_AS(x.f.engine.run_due(), UnavailableError);
  CHECK(x.state(id) == before);
  x.storage->fail_commits(0);
  x.f.engine.run_due();
  auto wf = x.f.workflow(id);
  CHECK(wf.status == WorkflowStatus::kTimedOut);
  CHECK(EngineFixture::statuses(wf) == std::vector<std::string>{"a:TIMED_OUT"});
}
