// What an engine's cache knows of a workflow's queue messages lets its changes leave out writes that
// would change nothing. Another engine on the same database may push or re-time those messages; it
// moves the workflow's version when it does, so the first engine does not go on trusting what it knew.
#include <conductor/storage/sqlite.hpp>

#include "engine_fixture.hpp"
#include "storage/storage_fixtures.hpp"

using namespace conductor;
using conductor::testing::TempDir;

namespace {

std::unique_ptr<Storage> storage_at(const TempDir& dir) {
  return open_sqlite({.path = (dir.path() / "shared.db").string(), .sync = SqliteSync::kOff});
}

constexpr const char* kOneTask = R"({"name": "one", "tasks": [{"name": "work", "taskReferenceName": "a"}]})";

}  // namespace

TEST_CASE("known messages: a task requeued by another engine loses its message when it completes",
          "[scenario]") {
  TempDir dir;
  EngineFixture first(storage_at(dir));
  EngineFixture second(storage_at(dir));
  first.task_def(R"({"name": "work", "responseTimeoutSeconds": 600})");
  first.workflow_def(kOneTask);
  first.start("one");
  const Task task = first.poll("work");  // its message is taken: the first engine knows it is gone
  CHECK(second.engine.queue().requeue_pending("work") == 1);
  CHECK(first.engine.queue().queue_size("work") == 1);
  first.complete(task);
  CHECK(first.engine.queue().queue_size("work") == 0);
  CHECK(first.nothing_to_poll("work"));
}

TEST_CASE("known messages: a sweep another engine timed later does not hide an earlier timeout",
          "[scenario]") {
  TempDir dir;
  EngineFixture first(storage_at(dir));
  EngineFixture second(storage_at(dir));
  first.task_def(R"({"name": "work", "retryCount": 0, "responseTimeoutSeconds": 10, "timeoutSeconds": 0})");
  first.workflow_def(kOneTask);
  const auto id = first.start("one");  // the first engine knows its sweep is due within the offset
  // The second engine sweeps when that time comes and times the next sweep a whole offset later,
  // beyond what the first engine knew.
  second.advance(30);
  first.clock->advance_seconds(30);
  // The hand-out's response timeout needs a sweep in 10 s, sooner than the one now stored.
  first.poll("work");
  first.advance(11);
  const Workflow wf = first.workflow(id);
  REQUIRE_FALSE(wf.tasks.empty());
  CHECK(wf.tasks.front().status == TaskStatus::kTimedOut);
  CHECK(wf.status == WorkflowStatus::kTimedOut);
}
