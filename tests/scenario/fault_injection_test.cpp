// A change that fails (its commit, one of its statements, or its begin on a busy database) leaves
// everything as it was before: the workflow, its tasks and the queues, and the engine's own cache of
// running workflows; nobody waiting on a queue or a workflow is woken for it; the caller gets the
// typed error, and the same call then succeeds.
#include <conductor/error.hpp>
#include <conductor/run_watch.hpp>

#include <thread>

#include "engine_fixture.hpp"
#include "fault_injecting_storage.hpp"

using namespace conductor;
using conductor::testing::FaultInjectingStorage;

namespace {

struct FaultFixture {
  FaultInjectingStorage* storage = nullptr;
  std::vector<std::string> logged_errors;
  std::optional<Task> polled;
  EngineFixture f;

  FaultFixture() : f([this](EngineOptions& options) {
    auto faulty = std::make_unique<FaultInjectingStorage>(std::move(options.storage));
    storage = faulty.get();
    options.storage = std::move(faulty);
    options.logger = [this](LogLevel level, std::string_view message, const LogFields& fields) {
      if (level != LogLevel::kError) return;
      std::string text(message);
      for (const auto& [key, value] : fields) text += fmt::format(" {}={}", key, value);
      logged_errors.push_back(std::move(text));
    };
  }) {
    f.task_def(R"({"name": "work", "retryCount": 0, "responseTimeoutSeconds": 10, "timeoutSeconds": 0})");
    f.task_def(R"({"name": "patient", "retryCount": 1, "retryDelaySeconds": 0, "responseTimeoutSeconds": 10,
                   "timeoutSeconds": 0})");
    f.workflow_def(R"({"name": "two", "version": 1, "tasks": [
      {"name": "work", "taskReferenceName": "a"}, {"name": "work", "taskReferenceName": "b"}]})");
    f.workflow_def(R"({"name": "parent", "version": 1, "tasks": [{"name": "child", "taskReferenceName": "c",
      "type": "SUB_WORKFLOW", "subWorkflowParam": {"name": "two", "version": 1}}]})");
    f.workflow_def(R"({"name": "launcher", "version": 1, "tasks": [{"name": "start", "taskReferenceName": "s",
      "type": "START_WORKFLOW", "inputParameters": {"startWorkflow": {"name": "two", "version": 1, "input": {}}}}]})");
    f.workflow_def(R"({"name": "doomed", "version": 1, "failureWorkflow": "two",
      "tasks": [{"name": "work", "taskReferenceName": "w"}]})");
    f.workflow_def(R"({"name": "retrying", "version": 1, "tasks": [{"name": "patient", "taskReferenceName": "p"}]})");
  }

  // Starts the workflow and hands out its first task, a "work" one.
  std::string start_and_poll(const std::string& workflow) {
    auto id = f.start(workflow);
    polled = f.poll("work");
    return id;
  }

  // The workflow with its tasks (or, without an id, the running workflows) and every queue's counts,
  // as text to compare. For a sweep, whether a message is in flight is not part of it: the sweeper
  // takes its messages in changes of their own before it works on them.
  std::string state(const std::string& id, bool sweep = false) {
    std::string text;
    if (id.empty()) {
      for (const auto& name : {"two", "parent", "launcher", "doomed", "retrying"})
        text += fmt::format("{}", fmt::join(f.engine.executor().running_workflow_ids(name, std::nullopt), ","));
    } else {
      auto wf = f.engine.executor().find_workflow(id, true);
      text = wf ? encode(*wf) : "none";
    }
    for (const auto& [queue, counts] : f.engine.queue().all_queue_details()) {
      if (sweep) {
        text += fmt::format(" | {} {}", queue, counts.size + counts.unacked);
      } else {
        text += fmt::format(" | {} {}/{}", queue, counts.size, counts.unacked);
      }
    }
    return text;
  }
};

// One kind of call to make fail.
struct Case {
  /// Brings the engine to where the call is made; the workflow it is about, empty for a start.
  std::function<std::string(FaultFixture&)> prepare;
  std::function<void(FaultFixture&)> call;
  /// The same call made again once it failed, when that needs more than `call` (a clock moved on).
  std::function<void(FaultFixture&)> again;
  /// Queue whose waiter the call, once it succeeds, wakes with a task pushed; empty when none.
  std::string pushes;
  /// The successful call changes the workflow, so that a watcher of it is woken.
  bool changes_workflow = false;
  /// The call is a sweeper's round.
  bool sweep = false;
  /// What the successful call did.
  std::function<void(FaultFixture&, const std::string&)> then;
  /// For a call that makes several changes, true once the change under test has committed: a
  /// statement failing after that belongs to another change.
  std::function<bool(FaultFixture&, const std::string&)> committed;
};

// The typed error the call surfaced: thrown, or logged by a sweep that carries on.
std::string attempt(FaultFixture& x, const std::function<void(FaultFixture&)>& call) {
  try {
    call(x);
  } catch (const StorageError&) {
    return "StorageError";
  } catch (const UnavailableError&) {
    return "UnavailableError";
  } catch (const std::exception& e) {
    return fmt::format("unexpected {}", e.what());
  }
  for (const auto& error : x.logged_errors) {
    if (error.find("injected: sqlite: step") != std::string::npos) return "StorageError (logged)";
    if (error.find("injected: ") != std::string::npos) return "UnavailableError (logged)";
  }
  return "none";
}

// Makes `c`'s call fail as `inject` arranges, and checks that it left nothing and woke nobody, then
// that the same call succeeds. False when the call did not reach the fault (it succeeded).
bool fails_cleanly(const Case& c, const std::function<void(FaultInjectingStorage&)>& inject,
                   const std::function<bool(FaultInjectingStorage&)>& reached, const std::string& expected) {
  FaultFixture x;
  const std::string id = c.prepare(x);
  const std::string before = x.state(id, c.sweep);
  bool queue_woken = false;
  auto waiter = x.f.engine.queue().wait_for_push(c.pushes.empty() ? "nobody" : c.pushes, std::nullopt,
                                                 [&](bool pushed) { queue_woken = pushed; });
  bool workflow_woken = false;
  std::optional<RunWatch> watch;
  if (!id.empty()) {
    watch.emplace(x.f.engine.executor(), id, WaitOptions{.timeout = std::chrono::seconds(5)});
    REQUIRE_FALSE(watch->attempt([&] { workflow_woken = true; }));
  }
  inject(*x.storage);
  const std::string outcome = attempt(x, c.call);
  if (!reached(*x.storage)) {
    CHECK(outcome == "none");
    return false;
  }
  if (c.committed && c.committed(x, id)) return false;
  INFO("the failed call surfaced " << outcome);
  CHECK((outcome == expected || outcome == expected + " (logged)"));
  CHECK(x.state(id, c.sweep) == before);
  CHECK_FALSE(queue_woken);
  CHECK_FALSE(workflow_woken);
  x.logged_errors.clear();
  CHECK(attempt(x, c.again ? c.again : c.call) == "none");
  CHECK(queue_woken == !c.pushes.empty());
  CHECK(workflow_woken == c.changes_workflow);
  c.then(x, id);
  return true;
}

void fails_cleanly_at_every_statement(const Case& c) {
  int nth = 1;
  for (; nth < 200; ++nth) {
    INFO("statement " << nth << " fails");
    bool reached = fails_cleanly(
        c, [nth](FaultInjectingStorage& s) { s.fail_statement(nth); },
        [](FaultInjectingStorage& s) {
          if (!s.statement_failure_pending()) return true;
          s.fail_statement(0);
          return false;
        },
        "StorageError");
    if (!reached) break;
  }
  CHECK(nth > 2);  // the call runs statements, so some of them failed
}

// Every write transaction fails, at its begin (a busy database) or at its commit, as `fault` sets.
void fails_cleanly_while(const Case& c, void (FaultInjectingStorage::*fault)(int)) {
  CHECK(fails_cleanly(c, [fault](FaultInjectingStorage& s) { (s.*fault)(1000); },
                      [fault](FaultInjectingStorage& s) {
                        (s.*fault)(0);
                        return true;
                      },
                      "UnavailableError"));
}

const Case kStart{
    .prepare = [](FaultFixture&) { return std::string(); },
    .call = [](FaultFixture& x) { x.f.start("two"); },
    .pushes = "work",
    .then =
        [](FaultFixture& x, const std::string&) {
          auto ids = x.f.engine.executor().running_workflow_ids("two", std::nullopt);
          REQUIRE(ids.size() == 1);
          auto a = x.f.poll("work");
          CHECK(a.reference_task_name == "a");
          CHECK(a.workflow_instance_id == ids.front());
          CHECK(x.f.nothing_to_poll("work"));
        },
};

// Completes the workflow's first task, which schedules the second.
const Case kUpdate{
    .prepare = [](FaultFixture& x) { return x.start_and_poll("two"); },
    .call = [](FaultFixture& x) { x.f.complete(*x.polled, {{"n", 1}}); },
    .pushes = "work",
    .changes_workflow = true,
    .then =
        [](FaultFixture& x, const std::string& id) {
          // The engine's cached state of the workflow did not take the failed change either.
          auto b = x.f.poll("work");
          CHECK(b.reference_task_name == "b");
          x.f.complete(b);
          auto wf = x.f.workflow(id);
          CHECK(wf.status == WorkflowStatus::kCompleted);
          CHECK(EngineFixture::statuses(wf) == std::vector<std::string>{"a:COMPLETED", "b:COMPLETED"});
          CHECK(wf.tasks.front().output_data.at("n") == 1);
        },
};

const Case kPoll{
    .prepare = [](FaultFixture& x) { return x.f.start("two"); },
    .call = [](FaultFixture& x) { x.f.poll("work"); },
    .then =
        [](FaultFixture& x, const std::string& id) {
          auto tasks = x.f.workflow(id).tasks;
          REQUIRE(tasks.size() == 1);
          CHECK(tasks.front().status == TaskStatus::kInProgress);
          CHECK(tasks.front().poll_count == 1);
          CHECK(x.f.nothing_to_poll("work"));
        },
};

// The sweep finds the polled task past its response timeout and retries it. A sweep pops the
// workflow's decider message in a change of its own before it sweeps; when the sweep then fails,
// the message comes back after its unack timeout, so every attempt moves the clock past that.
const Case kSweep{
    .prepare =
        [](FaultFixture& x) {
          auto id = x.f.start("retrying");
          x.f.poll("patient");
          return id;
        },
    .call =
        [](FaultFixture& x) {
          x.f.clock->advance_seconds(31);
          x.f.engine.run_due();
        },
    .pushes = "patient",
    .changes_workflow = true,
    .sweep = true,
    .then =
        [](FaultFixture& x, const std::string& id) {
          CHECK(EngineFixture::statuses(x.f.workflow(id)) == std::vector<std::string>{"p:TIMED_OUT", "p:SCHEDULED"});
          auto retried = x.f.poll("patient");
          CHECK(retried.retry_count == 1);
        },
    .committed = [](FaultFixture& x, const std::string& id) { return x.f.workflow(id).tasks.size() == 2; },
};

// The sweeper runs a task that starts a workflow (SUB_WORKFLOW, START_WORKFLOW) in the change that
// starts the task. When that run fails the task's message comes back after its unack timeout.
Case sweep_starting_workflow(const std::string& workflow) {
  return Case{
      .prepare = [workflow](FaultFixture& x) { return x.f.start(workflow); },
      .call = [](FaultFixture& x) { x.f.engine.run_due(); },
      .again =
          [](FaultFixture& x) {
            x.f.clock->advance_seconds(61);
            x.f.engine.run_due();
          },
      .changes_workflow = true,
      .sweep = true,
      .then =
          [](FaultFixture& x, const std::string& id) {
            auto task = x.f.workflow(id).tasks.at(0);
            auto started = task.output_data.if_contains(task.task_type == "SUB_WORKFLOW" ? "subWorkflowId" : "workflowId");
            REQUIRE(started);
            x.f.advance(31);
            CHECK(x.f.poll("work").workflow_instance_id == started->as_string());
            CHECK(x.f.nothing_to_poll("work"));
          },
      .committed = [](FaultFixture& x, const std::string& id) {
        auto status = x.f.workflow(id).tasks.at(0).status;
        return status == TaskStatus::kInProgress || status == TaskStatus::kCompleted;
      },
  };
}

// A task fails, and with it its workflow, which starts its failure workflow in the same change.
const Case kFailingUpdate{
    .prepare = [](FaultFixture& x) { return x.start_and_poll("doomed"); },
    .call = [](FaultFixture& x) { x.f.report(*x.polled, TaskResultStatus::kFailed, {}, "broken"); },
    .changes_workflow = true,
    .then =
        [](FaultFixture& x, const std::string& id) {
          auto wf = x.f.workflow(id);
          CHECK(wf.status == WorkflowStatus::kFailed);
          auto failure = x.f.engine.executor().running_workflow_ids("two", std::nullopt);
          REQUIRE(failure.size() == 1);
          CHECK(wf.output.at("conductor.failure_workflow").as_string() == failure.front());
        },
};

}  // namespace

SCENARIO("faults: a start, task update, poll or sweep whose commit fails leaves nothing and wakes nobody",
         "[scenario]") {
  // A sweep's own pop fails first: the sweeper's round throws.
  for (const Case* c : {&kStart, &kUpdate, &kPoll, &kSweep}) fails_cleanly_while(*c, &FaultInjectingStorage::fail_commits);
}

SCENARIO("faults: a statement failing at any point of a start leaves nothing and wakes nobody", "[scenario]") {
  fails_cleanly_at_every_statement(kStart);
}

SCENARIO("faults: a statement failing at any point of a task update leaves nothing and wakes nobody", "[scenario]") {
  fails_cleanly_at_every_statement(kUpdate);
}

SCENARIO("faults: a statement failing at any point of a poll hands nothing out", "[scenario]") {
  fails_cleanly_at_every_statement(kPoll);
}

SCENARIO("faults: a statement failing at any point of a sweep leaves the workflow to the next sweep", "[scenario]") {
  fails_cleanly_at_every_statement(kSweep);
}

SCENARIO("faults: a storage failure while a workflow starts another fails the whole change, not the task",
         "[scenario]") {
  fails_cleanly_at_every_statement(sweep_starting_workflow("parent"));
  fails_cleanly_at_every_statement(sweep_starting_workflow("launcher"));
  fails_cleanly_at_every_statement(kFailingUpdate);
}

SCENARIO("faults: a busy database refuses a start, task update, poll or sweep with UnavailableError", "[scenario]") {
  for (const Case* c : {&kStart, &kUpdate, &kPoll, &kSweep}) fails_cleanly_while(*c, &FaultInjectingStorage::fail_begins);
}

SCENARIO("faults: workers stopping while a long poll takes its first look release it at once", "[scenario]") {
  FaultFixture x;
  // The stop lands while the poll's first look, which takes no wake-up ticket yet, begins.
  x.storage->once([](TransactionMode mode) { return mode == TransactionMode::kWrite; }, [&](TransactionMode) {
    x.f.engine.workers().start();
    x.f.engine.workers().stop();
  });
  const auto poller_id = std::this_thread::get_id();
  const int before = x.storage->begins_on(poller_id);
  CHECK(x.f.engine.queue().batch_poll("work", "w", std::nullopt, 1, std::chrono::seconds(2)).empty());
  // Two looks and the read of the queue's next due time, then the wait ends at once; a wait that
  // missed the stop would have run to its timeout and looked a third time.
  CHECK(x.storage->begins_on(poller_id) - before == 3);
}

SCENARIO("faults: a long poll blocked on its queue is not woken by a push that did not commit", "[scenario]") {
  FaultFixture x;
  std::vector<Task> handed;
  std::thread poller([&] { handed = x.f.engine.queue().batch_poll("work", "w", std::nullopt, 1, std::chrono::seconds(5)); });
  const auto poller_id = poller.get_id();
  x.storage->faults_only_on(std::this_thread::get_id());
  // Its looks at the queue have committed and found nothing once it reads when a delayed message
  // would be due: a first look, then one holding its wake-up ticket, taken before that look, so it
  // sees every notification from then on.
  while (x.storage->begins_on(poller_id) < 3) std::this_thread::yield();
  x.storage->fail_commits(1);
  CHECK_THROWS_AS(x.f.start("two"), UnavailableError);
  x.storage->fail_statement(3);
  CHECK_THROWS_AS(x.f.start("two"), StorageError);
  const auto id = x.f.start("two");
  poller.join();
  REQUIRE(handed.size() == 1);
  CHECK(handed.front().workflow_instance_id == id);
  // It looked at the queue three times: twice before waiting, and after the push that committed.
  CHECK(x.storage->begins_on(poller_id) == 4);
}
