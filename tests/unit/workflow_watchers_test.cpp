#include "engine/workflow_watchers.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

using conductor::detail::WorkflowWatchers;

TEST_CASE("workflow watchers: a watcher fires once, for any of its workflows, and is then gone", "[unit]") {
  WorkflowWatchers watchers;
  CHECK(watchers.empty());
  int fired = 0;
  watchers.add({"wf-1", "wf-2"}, [&] { ++fired; });
  CHECK(watchers.size() == 1);
  watchers.notify({"wf-3"});
  CHECK(fired == 0);
  watchers.notify({"wf-2", "wf-1"});
  CHECK(fired == 1);
  CHECK(watchers.empty());
  watchers.notify({"wf-1"});
  CHECK(fired == 1);
}

TEST_CASE("workflow watchers: a cancelled watcher never fires, others of the same workflow do", "[unit]") {
  WorkflowWatchers watchers;
  int first = 0;
  int second = 0;
  const auto id = watchers.add({"wf-1"}, [&] { ++first; });
  watchers.add({"wf-1"}, [&] { ++second; });
  CHECK(watchers.cancel(id));
  CHECK_FALSE(watchers.cancel(id));
  watchers.notify({"wf-1"});
  CHECK(first == 0);
  CHECK(second == 1);
}

TEST_CASE("workflow watchers: a throwing callback stops neither the others nor the notifier", "[unit]") {
  WorkflowWatchers watchers;
  int fired = 0;
  watchers.add({"wf-1"}, [] { throw std::runtime_error("broken waiter"); });
  watchers.add({"wf-1"}, [&] { ++fired; });
  CHECK_NOTHROW(watchers.notify({"wf-1"}));
  CHECK(fired == 1);
  // Thousands of waits that ended leave nothing behind.
  for (int i = 0; i < 5000; ++i) watchers.cancel(watchers.add({"made-up-" + std::to_string(i)}, [] {}));
  CHECK(watchers.empty());
}
