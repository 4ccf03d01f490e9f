#include "engine/workflow_locks.hpp"

#include <catch2/catch.hpp>

#include <string>

using conductor::detail::WorkflowLocks;

TEST_CASE("workflow locks: one holder per id, other ids free, nothing kept once released", "[unit]") {
  WorkflowLocks locks;
  {
    auto held = locks.lock("wf-1");
    CHECK(held.held());
    CHECK_FALSE(locks.try_lock("wf-1").held());
    CHECK(locks.try_lock("wf-2").held());
    CHECK(locks.size() == 1);
  }
  CHECK(locks.size() == 0);
  CHECK(locks.try_lock("wf-1").held());
  // Ids come from requests: thousands of them leave nothing behind.
  for (int i = 0; i < 5000; ++i) locks.lock("made-up-" + std::to_string(i));
  CHECK(locks.size() == 0);
}
