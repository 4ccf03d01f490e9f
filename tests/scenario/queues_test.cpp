#include "engine_fixture.hpp"

#include <atomic>
#include <set>
#include <thread>

using namespace conductor;

namespace {

void one_task_workflow(EngineFixture& f, const std::string& task_def_json, const std::string& wf_extra = "") {
  auto def = decode<TaskDef>(task_def_json);
  f.engine.metadata().register_task_defs({def});
  f.workflow_def(R"({"name": "q_wf", )" + wf_extra + R"("tasks": [{"name": ")" + def.name +
                 R"(", "taskReferenceName": "only"}]})");
}

// Many threads poll at once; returns every task handed out.
std::vector<Task> poll_concurrently(EngineFixture& f, const std::string& type, int threads) {
  std::mutex m;
  std::vector<Task> got;
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      auto tasks = f.engine.queue().batch_poll(type, "w" + std::to_string(i), {}, 2, std::chrono::milliseconds(0));
      std::lock_guard lock(m);
      got.insert(got.end(), tasks.begin(), tasks.end());
    });
  }
  for (auto& t : pool) t.join();
  return got;
}

}  // namespace

TEST_CASE("queues: higher workflow priority is served first", "[scenario]") {
  EngineFixture f;
  one_task_workflow(f, R"({"name": "prio"})");
  StartWorkflowRequest low, high;
  low.name = high.name = "q_wf";
  low.priority = 1;
  high.priority = 90;
  auto low_id = f.engine.executor().start_workflow(low);
  auto high_id = f.engine.executor().start_workflow(high);
  CHECK(f.poll("prio").workflow_instance_id == high_id);
  CHECK(f.poll("prio").workflow_instance_id == low_id);
}

TEST_CASE("queues: startDelay delays the first delivery", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "delayed", "tasks": [{"name": "dl", "taskReferenceName": "d", "startDelay": 7}]})");
  f.start("delayed");
  f.clock->advance_seconds(6);
  CHECK(f.nothing_to_poll("dl"));
  f.clock->advance_seconds(1);
  CHECK(f.poll("dl").start_delay_in_seconds == 7);
}

TEST_CASE("queues: taskToDomain picks an active domain or falls back", "[scenario]") {
  EngineFixture f;
  one_task_workflow(f, R"({"name": "dt"})");
  auto start = [&](std::map<std::string, std::string> domains) {
    StartWorkflowRequest r;
    r.name = "q_wf";
    r.task_to_domain = std::move(domains);
    return f.engine.executor().start_workflow(r);
  };

  SECTION("no active worker in the listed domain and NO_DOMAIN last: the plain queue") {
    start({{"*", "blue,NO_DOMAIN"}});
    CHECK(f.nothing_to_poll("dt", "blue"));
    CHECK_FALSE(f.poll("dt").domain.has_value());
  }
  SECTION("a domain whose worker polled recently wins") {
    CHECK(f.nothing_to_poll("dt", "blue"));  // a worker shows itself in blue
    start({{"*", "blue,NO_DOMAIN"}});
    CHECK(f.nothing_to_poll("dt"));
    CHECK(f.poll("dt", "blue").domain == "blue");
  }
  SECTION("a poll older than ten seconds does not count; the last domain is the fallback") {
    CHECK(f.nothing_to_poll("dt", "green"));
    f.clock->advance_seconds(11);
    start({{"dt", "green,red"}});
    CHECK(f.nothing_to_poll("dt", "green"));
    CHECK(f.poll("dt", "red").domain == "red");
  }
}

TEST_CASE("queues: concurrentExecLimit holds under many pollers", "[scenario]") {
  EngineFixture f;
  one_task_workflow(f, R"({"name": "lim", "concurrentExecLimit": 2})");
  for (int i = 0; i < 6; ++i) f.start("q_wf");
  auto got = poll_concurrently(f, "lim", 8);
  REQUIRE(got.size() == 2);
  CHECK(f.nothing_to_poll("lim"));
  f.complete(got[0]);
  // The freed slot released the held tasks at once; only one of them gets it.
  auto more = poll_concurrently(f, "lim", 8);
  CHECK(more.size() == 1);
  CHECK(f.nothing_to_poll("lim"));
}

TEST_CASE("queues: rateLimitPerFrequency admits at most N per window under many pollers", "[scenario]") {
  EngineFixture f;
  one_task_workflow(f, R"({"name": "rate", "rateLimitPerFrequency": 3, "rateLimitFrequencyInSeconds": 10})");
  for (int i = 0; i < 8; ++i) f.start("q_wf");
  auto got = poll_concurrently(f, "rate", 8);
  CHECK(got.size() == 3);
  f.clock->advance_seconds(60);
  CHECK(poll_concurrently(f, "rate", 8).size() == 3);
}

TEST_CASE("queues: idempotency strategies", "[scenario]") {
  EngineFixture f;
  one_task_workflow(f, R"({"name": "idem"})");
  auto start = [&](IdempotencyStrategy strategy) {
    StartWorkflowRequest r;
    r.name = "q_wf";
    r.idempotency_key = "order-7";
    r.idempotency_strategy = strategy;
    return f.engine.executor().start_workflow(r);
  };
  auto first = start(IdempotencyStrategy::kFail);
  CHECK_THROWS_AS(start(IdempotencyStrategy::kFail), ConflictError);
  CHECK(start(IdempotencyStrategy::kReturnExisting) == first);
  CHECK_THROWS_AS(start(IdempotencyStrategy::kFailOnRunning), ConflictError);
  f.complete(f.poll("idem"));
  auto second = start(IdempotencyStrategy::kFailOnRunning);
  CHECK(second != first);
  CHECK(f.workflow(second).status == WorkflowStatus::kRunning);
  CHECK(start(IdempotencyStrategy::kReturnExisting) == second);
}

TEST_CASE("queues: racing updates of one task apply exactly once", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "race", "tasks": [{"name": "r1", "taskReferenceName": "r1"},
                                               {"name": "r2", "taskReferenceName": "r2"}]})");
  auto id = f.start("race");
  auto t = f.poll("r1");
  std::vector<std::thread> pool;
  for (int i = 0; i < 8; ++i) {
    pool.emplace_back([&, i] {
      TaskResult r;
      r.workflow_instance_id = id;
      r.task_id = t.task_id;
      r.status = i % 2 ? TaskResultStatus::kCompleted : TaskResultStatus::kFailed;
      r.output_data = {{"by", i}};
      f.engine.queue().update_task(r);
    });
  }
  for (auto& th : pool) th.join();
  auto wf = f.workflow(id);
  // Whichever update won, the others changed nothing: one terminal r1 and at most one successor.
  int r2 = 0, r1_terminal = 0;
  for (const auto& task : wf.tasks) {
    r2 += task.reference_task_name == "r2";
    r1_terminal += task.reference_task_name == "r1" && task.task_id == t.task_id && is_terminal(task.status);
  }
  CHECK(r1_terminal == 1);
  // The winner either completed r1 (r2 follows) or failed it (a retry of r1 follows): two tasks either way.
  CHECK(wf.tasks.size() == 2);
  CHECK(r2 <= 1);
  CHECK(f.engine.queue().queue_size("r2") == r2);
}

TEST_CASE("queues: many threads start, poll and complete workflows, every one completes once", "[scenario]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "busy", "tasks": [{"name": "b1", "taskReferenceName": "b1"},
                                               {"name": "b2", "taskReferenceName": "b2"}]})");
  constexpr int kWorkflows = 60;
  std::vector<std::string> ids(kWorkflows);
  std::atomic<int> completed{0};
  std::vector<std::thread> pool;
  for (int w = 0; w < 4; ++w) {
    pool.emplace_back([&, w] {
      for (int i = w; i < kWorkflows; i += 4) ids[i] = f.start("busy");
    });
  }
  for (int w = 0; w < 4; ++w) {
    pool.emplace_back([&] {
      while (completed.load() < 2 * kWorkflows) {
        for (auto type : {"b1", "b2"}) {
          for (auto& task : f.engine.queue().batch_poll(type, "w", {}, 5, std::chrono::milliseconds(0))) {
            f.complete(task, {{"id", task.task_id}});
            ++completed;
          }
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  std::set<std::string> task_ids;
  for (const auto& id : ids) {
    auto wf = f.workflow(id);
    CHECK(wf.status == WorkflowStatus::kCompleted);
    CHECK(wf.tasks.size() == 2);
    for (const auto& t : wf.tasks) task_ids.insert(t.task_id);
  }
  CHECK(task_ids.size() == 2 * kWorkflows);
}
