#include "engine_fixture.hpp"

#include <atomic>
#include <filesystem>
#include <thread>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace conductor;

namespace {

std::string temp_db(const std::string& name) {
  auto path = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".db");
  for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path.string();
}

const char* kChain = R"({"name": "chain", "tasks": [
  {"name": "c1", "taskReferenceName": "c1"}, {"name": "c2", "taskReferenceName": "c2"},
  {"name": "c3", "taskReferenceName": "c3"}]})";

}  // namespace

TEST_CASE("durability: a workflow survives closing and reopening the database", "[scenario]") {
  auto path = temp_db("reopen");
  std::string id;
  {
    EngineFixture f(open_sqlite({.path = path}));
    f.workflow_def(kChain);
    id = f.start("chain");
    f.complete(f.poll("c1"), {{"a", 1}});
  }
  EngineFixture f(open_sqlite({.path = path}));
  auto wf = f.workflow(id);
  REQUIRE(wf.tasks.size() == 2);
  CHECK(wf.tasks[0].output_data.at("a") == 1);
  f.complete(f.poll("c2"));
  f.complete(f.poll("c3"));
  CHECK(f.workflow(id).status == WorkflowStatus::kCompleted);
}

TEST_CASE("durability: a process killed mid-workflow loses nothing acknowledged", "[scenario]") {
  auto path = temp_db("crash");
  auto ack_path = path + ".acks";
  std::filesystem::remove(ack_path);
  constexpr int kWorkflows = 20;

  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The doomed process: starts workflows and completes tasks as fast as it can, recording each
    // acknowledged completion, until it is killed without any chance to shut down. It must never
    // return into the test runner it was forked from.
    try {
    EngineOptions options;
    options.storage = open_sqlite({.path = path});
    options.background = false;
    Engine engine(std::move(options));
    std::vector<TaskDef> defs;
    for (auto name : {"c1", "c2", "c3"})
      defs.push_back(decode<TaskDef>(fmt::format(R"({{"name": "{}", "responseTimeoutSeconds": 5, "retryDelaySeconds": 0}})", name)));
    engine.metadata().register_task_defs(defs);
    engine.metadata().register_workflow_def(decode<WorkflowDef>(kChain));
    for (int i = 0; i < kWorkflows; ++i) engine.executor().start_workflow({.name = "chain"});
    FILE* acks = std::fopen(ack_path.c_str(), "w");
    for (;;) {
      for (auto type : {"c1", "c2", "c3"}) {
        for (auto& t : engine.queue().batch_poll(type, "doomed", {}, 1, std::chrono::milliseconds(0))) {
          TaskResult r;
          r.workflow_instance_id = t.workflow_instance_id;
          r.task_id = t.task_id;
          r.status = TaskResultStatus::kCompleted;
          engine.queue().update_task(r);
          std::fprintf(acks, "%s\n", t.task_id.c_str());
          std::fflush(acks);
        }
      }
    }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "doomed process failed: %s\n", e.what());
    }
    ::_exit(3);
  }
  // Let it get part of the way, then kill it.
  for (int i = 0; i < 400; ++i) {
    std::error_code ec;
    if (std::filesystem::exists(ack_path) && std::filesystem::file_size(ack_path, ec) > 20 * 37) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFSIGNALED(status));

  // The survivor's clock starts where the dead process's left off; a task it had taken but not
  // finished comes back through the response timeout.
  auto clock = std::make_unique<ManualClock>(system_clock()->now_ms());
  auto* manual = clock.get();
  EngineOptions options;
  options.storage = open_sqlite({.path = path});
  options.clock = std::move(clock);
  options.background = false;
  Engine engine(std::move(options));
  // Every completion the dead process was told about is there.
  std::FILE* acks = std::fopen(ack_path.c_str(), "r");
  REQUIRE(acks);
  char line[64];
  int acknowledged = 0;
  while (std::fgets(line, sizeof line, acks)) {
    std::string id(line);
    id.pop_back();
    CHECK(engine.queue().get_task(id).status == TaskStatus::kCompleted);
    ++acknowledged;
  }
  std::fclose(acks);
  CHECK(acknowledged >= 20);
  // And every workflow finishes from the new process, each task run exactly once.
  auto running = engine.executor().running_workflow_ids("chain");
  for (int round = 0; round < 200 && !running.empty(); ++round) {
    manual->advance_seconds(6);
    engine.run_due();
    for (auto type : {"c1", "c2", "c3"})
      for (auto& t : engine.queue().batch_poll(type, "survivor", {}, 10, std::chrono::milliseconds(0))) {
        TaskResult r;
        r.workflow_instance_id = t.workflow_instance_id;
        r.task_id = t.task_id;
        r.status = TaskResultStatus::kCompleted;
        engine.queue().update_task(r);
      }
    running = engine.executor().running_workflow_ids("chain");
  }
  CHECK(running.empty());
  auto all = engine.executor().search({.size = 100, .query = "workflowType = 'chain'"});
  CHECK(all.total_hits == kWorkflows);
  for (const auto& summary : all.results) {
    auto wf = engine.executor().get_workflow(summary.workflow_id);
    CHECK(wf.status == WorkflowStatus::kCompleted);
    std::map<std::string, int> completed_per_ref;
    for (const auto& t : wf.tasks) completed_per_ref[t.reference_task_name] += t.status == TaskStatus::kCompleted;
    CHECK(completed_per_ref == std::map<std::string, int>{{"c1", 1}, {"c2", 1}, {"c3", 1}});
  }
}
