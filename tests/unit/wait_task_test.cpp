#include "system_task_fixture.hpp"

#include "tasks/wait.hpp"

#include <climits>

using namespace conductor;
using detail::WaitTask;

namespace {
std::string wait_node(const std::string& input) {
  return R"({"name": "w", "taskReferenceName": "w", "type": "WAIT", "inputParameters": )" + input + "}";
}
}  // namespace

TEST_CASE("wait: the mapper sets when the wait ends", "[unit]") {
  SystemTaskFixture f;
  WaitTask wait;
  auto timed = f.map_one(wait, wait_node(R"({"duration": "1d 2h 3m 4s"})"));
  CHECK(timed.status == TaskStatus::kInProgress);
  CHECK(timed.start_time == f.now);
  CHECK(timed.callback_after_seconds == 93784);
  CHECK(timed.wait_timeout == f.now + 93784000);

  auto until = f.map_one(wait, wait_node(R"({"until": "1970-01-01 01:01 GMT+01:00"})"));
  CHECK(until.wait_timeout == 60'000);
  CHECK(until.callback_after_seconds == 59);

  auto forever = f.map_one(wait, wait_node("{}"));
  CHECK(forever.wait_timeout == 0);
  CHECK(forever.callback_after_seconds == INT_MAX);
}

TEST_CASE("wait: unusable input fails the task at once", "[unit]") {
  SystemTaskFixture f;
  WaitTask wait;
  auto both = f.map_one(wait, wait_node(R"({"duration": "1s", "until": "2030-01-01"})"));
  CHECK(both.status == TaskStatus::kFailedWithTerminalError);
  CHECK(both.reason_for_incompletion == "Both 'duration' and 'until' specified. Please provide only one input");
  auto bad = f.map_one(wait, wait_node(R"({"duration": "soon"})"));
  CHECK(bad.status == TaskStatus::kFailedWithTerminalError);
  CHECK(bad.reason_for_incompletion == "Invalid/Unsupported Wait duration format.  Provided: soon");
}

TEST_CASE("wait: execute completes at the deadline, and the next look is when it is due", "[unit]") {
  SystemTaskFixture f;
  WaitTask wait;
  auto task = f.map_one(wait, wait_node(R"({"duration": "10s"})"));
  f.now = 10'999;
  CHECK_FALSE(f.execute(wait, task));
  CHECK(task.status == TaskStatus::kInProgress);
  CHECK(wait.evaluation_offset_seconds(task, 2'500) == 9);
  CHECK(wait.evaluation_offset_seconds(task, 10'999) == 1);
  f.now = 11'000;
  CHECK(f.execute(wait, task));
  CHECK(task.status == TaskStatus::kCompleted);
}

TEST_CASE("wait: a retried attempt waits its duration again from its start", "[unit]") {
  SystemTaskFixture f;
  WaitTask wait;
  auto task = f.map_one(wait, wait_node(R"({"duration": "10s"})"));
  task.status = TaskStatus::kScheduled;
  f.now = 61'000;
  f.start(wait, task);
  CHECK(task.status == TaskStatus::kInProgress);
  CHECK(task.wait_timeout == 71'000);
}

TEST_CASE("wait: the decider may leave a running wait alone until it ends", "[unit]") {
  SystemTaskFixture f;
  WaitTask wait;
  auto timed = f.map_one(wait, wait_node(R"({"duration": "10s"})"));
  CHECK(wait.decider_wait_seconds(timed, 2'500, 30) == 8);
  CHECK(wait.decider_wait_seconds(timed, 20'000, 30) == 0);
  auto forever = f.map_one(wait, wait_node("{}"));
  CHECK(wait.decider_wait_seconds(forever, 2'500, 30) == 30);
  // A retried attempt not yet started has no end yet: the task's timeouts decide.
  timed.status = TaskStatus::kScheduled;
  CHECK_FALSE(wait.decider_wait_seconds(timed, 2'500, 30));
}
