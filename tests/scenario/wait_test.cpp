#include "engine_fixture.hpp"

using namespace conductor;
using Statuses = std::vector<std::string>;

namespace {

// `waiter` (WAIT with the given input) then the worker task `after`, which echoes the wait's output.
std::string define(EngineFixture& f, const std::string& wait_input, const std::string& name = "wait_wf") {
  f.workflow_def(R"({"name": ")" + name + R"(", "tasks": [
      {"name": "waiter", "taskReferenceName": "waiter", "type": "WAIT", "inputParameters": )" +
                 wait_input + R"(},
      {"name": "after", "taskReferenceName": "after", "inputParameters": {"approved": "${waiter.output.approved}"}}]})");
  return name;
}

}  // namespace

SCENARIO("wait: a duration passes on the engine's clock", "[scenario]") {
  EngineFixture f;
  auto id = f.start(define(f, R"({"duration": "2 seconds"})"));
  auto wf = f.workflow(id);
  REQUIRE(EngineFixture::statuses(wf) == Statuses{"waiter:IN_PROGRESS"});
  const Task waiter = wf.tasks.front();
  CHECK(waiter.task_type == "WAIT");
  CHECK(waiter.wait_timeout == waiter.scheduled_time + 2000);
  CHECK(waiter.callback_after_seconds == 2);

  WHEN("less than the duration has passed") {
    f.advance(1);
    THEN("it still waits") { CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"waiter:IN_PROGRESS"}); }
  }
  WHEN("the duration has passed") {
    f.advance(2);
    THEN("it completed and the next task is scheduled") {
      auto done = f.workflow(id);
      CHECK(EngineFixture::statuses(done) == Statuses{"waiter:COMPLETED", "after:SCHEDULED"});
      CHECK(done.tasks.front().end_time - done.tasks.front().scheduled_time == 2000);
    }
  }
}

TEST_CASE("wait: an `until` in the past ends at the next sweep", "[scenario]") {
  EngineFixture f;
  auto id = f.start(define(f, R"({"until": "2020-01-01 00:00 UTC"})"));
  CHECK(f.workflow(id).tasks.front().callback_after_seconds == 0);
  f.advance(0);
  CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"waiter:COMPLETED", "after:SCHEDULED"});
}

TEST_CASE("wait: an `until` in the future waits for that instant", "[scenario]") {
  EngineFixture f;
  // The fixture's clock starts at 2023-11-14 22:13:20 UTC.
  auto id = f.start(define(f, R"({"until": "2023-11-14 22:15 UTC"})"));
  auto waiter = f.workflow(id).tasks.front();
  CHECK(waiter.wait_timeout == 1'700'000'100'000);
  CHECK(waiter.callback_after_seconds == 100);
  f.advance(99);
  CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"waiter:IN_PROGRESS"});
  f.advance(1);
  CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"waiter:COMPLETED", "after:SCHEDULED"});
}

SCENARIO("wait: without a time it waits for an update", "[scenario]") {
  EngineFixture f;
  auto id = f.start(define(f, "{}"));
  auto waiter = f.workflow(id).tasks.front();
  REQUIRE(waiter.status == TaskStatus::kInProgress);
  f.advance(3600);
  REQUIRE(EngineFixture::statuses(f.workflow(id)) == Statuses{"waiter:IN_PROGRESS"});
  CHECK(f.nothing_to_poll("after"));

  WHEN("an update completes it") {
    f.complete(waiter, {{"approved", true}});
    THEN("the next task gets its output") {
      CHECK(f.poll("after").input_data.at("approved") == true);
    }
  }
  WHEN("a timed wait is completed early by an update") {
    auto timed = f.start(define(f, R"({"duration": "1h"})", "timed_wf"));
    f.complete(f.workflow(timed).tasks.front(), {{"approved", false}});
    THEN("it does not wait for the hour") {
      CHECK(EngineFixture::statuses(f.workflow(timed)) == Statuses{"waiter:COMPLETED", "after:SCHEDULED"});
    }
  }
}

TEST_CASE("wait: an unreadable until fails the task", "[scenario]") {
  EngineFixture f;
  auto id = f.start(define(f, R"({"until": "${workflow.input.u}"})"), {{"u", "next tuesday"}});
  auto waiter = f.workflow(id).tasks.front();
  CHECK(waiter.status == TaskStatus::kFailedWithTerminalError);
  CHECK(waiter.reason_for_incompletion == "Invalid/Unsupported Wait Until format.  Provided: next tuesday");
}

TEST_CASE("wait: terminating the workflow cancels the wait", "[scenario]") {
  EngineFixture f;
  auto id = f.start(define(f, R"({"duration": "10s"})"));
  f.engine.executor().terminate(id, "no more waiting");
  CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"waiter:CANCELED"});
  f.advance(10);
  CHECK(EngineFixture::statuses(f.workflow(id)) == Statuses{"waiter:CANCELED"});
}
