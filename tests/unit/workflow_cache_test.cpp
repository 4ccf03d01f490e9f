#include "executor/workflow_cache.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace conductor;
using conductor::detail::WorkflowCache;

namespace {

Workflow running(const std::string& id) {
  Workflow wf;
  wf.workflow_id = id;
  wf.status = WorkflowStatus::kRunning;
  Task task;
  task.task_id = id + "-t";
  task.status = TaskStatus::kScheduled;
  wf.tasks.push_back(task);
  return wf;
}

}  // namespace

TEST_CASE("workflow cache: bounded, least recently used first out, ended workflows not kept", "[unit]") {
  WorkflowCache cache(2);
  cache.put("a", 1, running("a"));
  cache.put("b", 1, running("b"));
  CHECK(cache.find("a"));  // a is now the most recent
  cache.put("c", 1, running("c"));
  CHECK(cache.size() == 2);
  CHECK_FALSE(cache.find("b"));
  CHECK(cache.find("a")->version == 1);

  Workflow ended = running("a");
  ended.status = WorkflowStatus::kCompleted;
  cache.put("a", 2, ended);
  CHECK_FALSE(cache.find("a"));
  CHECK(cache.size() == 1);
}

TEST_CASE("workflow cache: a hand-out advances an entry at the version it came from, and drops any other",
          "[unit]") {
  WorkflowCache cache(8);
  detail::KnownMessages known;
  known.sweep_by = 9'000;
  cache.put("a", 5, running("a"), known);
  CHECK(cache.swept_by("a", 5, 9'000));
  CHECK_FALSE(cache.swept_by("a", 5, 8'999));
  CHECK_FALSE(cache.swept_by("a", 4, 9'000));
  Task polled = running("a").tasks.front();
  polled.status = TaskStatus::kInProgress;
  cache.advance("a", 5, 6, polled, 7'000);
  auto found = cache.find("a");
  REQUIRE(found);
  CHECK(found->version == 6);
  CHECK(found->state.tasks.front().status == TaskStatus::kInProgress);
  // The hand-out took the task's message and brought the sweep forward.
  CHECK(found->messages.lacks(polled.task_id));
  CHECK(cache.swept_by("a", 6, 7'000));
  CHECK_FALSE(cache.swept_by("a", 6, 6'999));
  // An entry the hand-out did not start from is stale: gone rather than wrong.
  cache.advance("a", 5, 7, polled, std::nullopt);
  CHECK_FALSE(cache.find("a"));
}

TEST_CASE("workflow cache: a taken state is no longer cached", "[unit]") {
  WorkflowCache cache(2);
  cache.put("a", 3, running("a"));
  auto taken = cache.take("a");
  REQUIRE(taken);
  CHECK(taken->version == 3);
  CHECK(taken->state.tasks.size() == 1);
  CHECK_FALSE(cache.find("a"));
  CHECK_FALSE(cache.take("a"));
  CHECK(cache.size() == 0);
  cache.put("a", 4, std::move(taken->state));
  CHECK(cache.find("a")->version == 4);
}
