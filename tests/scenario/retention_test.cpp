#include "engine_fixture.hpp"
#include "fault_injecting_storage.hpp"

#include <algorithm>
#include <memory>

using namespace conductor;
using namespace std::chrono_literals;

namespace {

// An engine whose retention keeps `flow` workflows an hour, `brief` ones a minute and `kept` ones
// forever, removing at most two per sweeper round.
struct RetentionFixture {
  ManualClock* clock = nullptr;
  Engine engine;

  explicit RetentionFixture(bool archive) : engine(options(archive)) {
    engine.metadata().register_task_defs({decode<TaskDef>(R"({"name": "work"})")});
    for (const char* name : {"flow", "brief", "kept", "child"}) {
      engine.metadata().register_workflow_def(decode<WorkflowDef>(
          fmt::format(R"({{"name": "{}", "tasks": [{{"name": "work", "taskReferenceName": "w"}}]}})", name)));
    }
    engine.metadata().register_workflow_def(decode<WorkflowDef>(R"({"name": "parent", "tasks": [
        {"name": "child", "taskReferenceName": "c", "type": "SUB_WORKFLOW", "subWorkflowParam": {"name": "child"}}]})"));
  }

  EngineOptions options(bool archive) {
    auto o = EngineFixture::make_options(nullptr, clock);
    o.retention = {.max_age = 1h, .max_age_by_name = {{"brief", 60s}, {"kept", std::nullopt}}, .archive = archive,
                   .batch_size = 2};
    return o;
  }

  std::string start(const std::string& name) { return engine.executor().start_workflow({.name = name}); }
  // Completes the one task the workflow waits on.
  void finish(const std::string& type = "work") {
    auto task = engine.queue().batch_poll(type, "w", std::nullopt, 1, 0ms).at(0);
    engine.queue().update_task({.workflow_instance_id = task.workflow_instance_id, .task_id = task.task_id,
                                .status = TaskResultStatus::kCompleted});
  }
  bool exists(const std::string& id) {
    try {
      engine.executor().get_workflow(id, false);
      return true;
    } catch (const NotFoundError&) {
      return false;
    }
  }
  int searchable(const std::string& id) {
    return static_cast<int>(engine.executor().search({.query = "workflowId = '" + id + "'"}).total_hits);
  }
  void advance(std::chrono::seconds by) {
    clock->advance_seconds(by.count());
    engine.run_due();
  }
};

}  // namespace

TEST_CASE("retention: ended workflows go after their definition's age, in batches, running ones stay",
          "[scenario][retention]") {
  RetentionFixture f(false);
  // One workflow ends each second: flow1 at 0 s, flow2 at 1 s, flow3 at 2 s, brief at 3 s, kept at
  // 4 s, and the parent with its child at 5 s.
  const auto flow1 = f.start("flow");
  f.finish();
  f.advance(1s);
  const auto flow2 = f.start("flow");
  f.engine.executor().terminate(flow2, "stop");
  f.advance(1s);
  const auto flow3 = f.start("flow");
  f.engine.executor().terminate(flow3, "stop");
  f.advance(1s);
  const auto brief = f.start("brief");
  f.finish();
  f.advance(1s);
  const auto kept = f.start("kept");
  f.finish();
  f.advance(1s);
  const auto parent = f.start("parent");
  f.engine.run_due();  // the child starts
  const auto child = f.engine.executor().get_workflow(parent, true).tasks.at(0).sub_workflow_id.value();
  f.finish();
  f.engine.run_due();  // the parent completes
  REQUIRE(f.engine.executor().get_workflow(parent, false).status == WorkflowStatus::kCompleted);
  const auto running = f.start("flow");

  f.advance(58s);  // 63 s: brief ended 60 s ago
  CHECK(f.exists(brief));
  f.advance(1s);
  CHECK_FALSE(f.exists(brief));
  CHECK(f.searchable(brief) == 0);
  CHECK(f.exists(flow1));

  // An hour after their end the others go, two per round, earliest end first.
  f.advance(3600s + 3s - 64s);
  CHECK_FALSE(f.exists(flow1));
  CHECK_FALSE(f.exists(flow2));
  CHECK(f.exists(flow3));
  f.engine.run_due();
  CHECK_FALSE(f.exists(flow3));
  CHECK(f.exists(parent));
  // The child only once its parent has gone.
  f.advance(3s);
  CHECK_FALSE(f.exists(parent));
  CHECK(f.exists(child));
  f.engine.run_due();
  CHECK_FALSE(f.exists(child));

  f.advance(30 * 24h);
  CHECK(f.exists(kept));
  CHECK(f.engine.executor().get_workflow(running, false).status == WorkflowStatus::kRunning);
}

TEST_CASE("retention: archiving keeps the search summary of a removed workflow", "[scenario][retention]") {
  RetentionFixture f(true);
  const auto brief = f.start("brief");
  f.finish();
  f.advance(61s);
  CHECK_FALSE(f.exists(brief));
  CHECK(f.searchable(brief) == 1);
}

TEST_CASE("retention: a batch size below one is refused", "[scenario][retention]") {
  ManualClock* clock = nullptr;
  auto options = EngineFixture::make_options(nullptr, clock);
  options.retention.batch_size = 0;
  CHECK_THROWS_AS(Engine(std::move(options)), ValidationError);
}

TEST_CASE("retention: workflows go sixteen to a change, and a group whose change fails goes one by one",
          "[scenario][retention]") {
  auto faulty = std::make_unique<conductor::testing::FaultInjectingStorage>(open_sqlite({}));
  auto* storage = faulty.get();
  ManualClock* clock = nullptr;
  Engine engine(EngineFixture::make_options(std::move(faulty), clock, [](EngineOptions& o) {
    o.retention = {.max_age = 60s};
  }));
  engine.metadata().register_task_defs({decode<TaskDef>(R"({"name": "work"})")});
  engine.metadata().register_workflow_def(decode<WorkflowDef>(
      R"({"name": "flow", "tasks": [{"name": "work", "taskReferenceName": "w"}]})"));
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    ids.push_back(engine.executor().start_workflow({.name = "flow"}));
    engine.executor().terminate(ids.back(), "done");
  }
  auto remaining = [&] {
    return std::count_if(ids.begin(), ids.end(), [&](const std::string& id) {
      return engine.executor().find_workflow(id, false).has_value();
    });
  };
  clock->advance_seconds(30);
  engine.run_due();
  const int idle_round = storage->write_begins();
  engine.run_due();
  const int idle_writes = storage->write_begins() - idle_round;

  clock->advance_seconds(31);
  const int before = storage->write_begins();
  engine.run_due();
  CHECK(remaining() == 0);
  // 40 workflows in three changes (16, 16, 8).
  CHECK(storage->write_begins() - before - idle_writes == 3);

  for (int i = 0; i < 20; ++i) {
    ids.push_back(engine.executor().start_workflow({.name = "flow"}));
    engine.executor().terminate(ids.back(), "done");
  }
  clock->advance_seconds(61);
  // The first group's commit fails (a removal takes the workflow's message off the decider queue):
  // its sixteen go one by one in the same round, then the last four.
  storage->fail_commits_removing_from("_deciderQueue", 1);
  const int again = storage->write_begins();
  engine.run_due();
  CHECK(remaining() == 0);
  CHECK(storage->write_begins() - again - idle_writes == 1 + 16 + 1);
}
