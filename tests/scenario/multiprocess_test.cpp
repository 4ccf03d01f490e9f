// Two engines in two processes on one SQLite file share the same workflows: each task is handed out
// once, every workflow completes, and no transition is lost, because queue hand-outs happen under
// the database's writer and every other change commits only against the version it was computed from.
#include <conductor/conductor.hpp>
#include <conductor/storage/sqlite.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "storage/storage_fixtures.hpp"

using namespace conductor;
using conductor::testing::TempDir;

namespace {

constexpr int kWorkflows = 24;
constexpr const char* kFlow = R"({"name": "shared", "version": 1, "tasks": [
  {"name": "work", "taskReferenceName": "first"},
  {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN", "forkTasks": [
    [{"name": "work", "taskReferenceName": "left"}], [{"name": "work", "taskReferenceName": "right"}]]},
  {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["left", "right"]},
  {"name": "work", "taskReferenceName": "last"}]})";

std::unique_ptr<Storage> storage_at(const std::filesystem::path& db) {
  return open_sqlite({.path = db.string(), .sync = SqliteSync::kOff});
}

bool all_completed(Engine& engine, const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    auto wf = engine.executor().find_workflow(id, false);
    if (!wf || wf->status != WorkflowStatus::kCompleted) return false;
  }
  return true;
}

// One process: workers and a sweeper on the shared file, recording every task it executes, until
// every workflow has completed. Never returns into the test runner it was forked from.
[[noreturn]] void serve(const std::filesystem::path& db, const std::filesystem::path& log,
                        const std::vector<std::string>& ids) {
  int code = 3;
  try {
    Engine engine({.storage = storage_at(db), .sweep_interval = std::chrono::milliseconds(20)});
    std::mutex mutex;
    FILE* out = std::fopen(log.c_str(), "w");
    engine.workers().add({.task_type = "work", .threads = 3, .worker_id = fmt::format("pid-{}", ::getpid()),
                          .poll_timeout = std::chrono::milliseconds(50)},
                         [&](const Task& task) {
                           std::lock_guard lock(mutex);
                           std::fprintf(out, "%s\n", task.task_id.c_str());
                           std::fflush(out);
                           return JsonObject{{"by", ::getpid()}};
                         });
    engine.workers().start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    while (!all_completed(engine, ids) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    code = all_completed(engine, ids) ? 0 : 4;
    engine.workers().stop();
    std::fclose(out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "engine process failed: %s\n", e.what());
  }
  ::_exit(code);
}

}  // namespace

TEST_CASE("multiprocess: two engine processes on one SQLite file run each task once and finish every workflow",
          "[scenario]") {
  TempDir dir;
  const auto db = dir.path() / "shared.db";
  std::vector<std::string> ids;
  {
    Engine engine({.storage = storage_at(db), .background = false});
    engine.metadata().register_task_defs({decode<TaskDef>(R"({"name": "work", "retryCount": 0})")});
    engine.metadata().register_workflow_def(decode<WorkflowDef>(kFlow));
    for (int i = 0; i < kWorkflows; ++i) ids.push_back(engine.executor().start_workflow({.name = "shared"}));
  }
  std::vector<pid_t> children;
  for (int i = 0; i < 2; ++i) {
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) serve(db, dir.path() / fmt::format("executed-{}.log", i), ids);
    children.push_back(child);
  }
  for (pid_t child : children) {
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }

  std::map<std::string, int> executed;  // task id -> times, over both processes
  std::set<int> processes_that_worked;
  for (int i = 0; i < 2; ++i) {
    std::ifstream log(dir.path() / fmt::format("executed-{}.log", i));
    for (std::string id; std::getline(log, id);) {
      ++executed[id];
      processes_that_worked.insert(i);
    }
  }
  CHECK(executed.size() == kWorkflows * 4);
  for (const auto& [id, times] : executed) {
    INFO(id);
    CHECK(times == 1);
  }
  Engine engine({.storage = storage_at(db), .background = false});
  for (const auto& id : ids) {
    auto wf = engine.executor().get_workflow(id);
    INFO(id);
    REQUIRE(wf.status == WorkflowStatus::kCompleted);
    std::multiset<std::string> refs;
    for (const auto& t : wf.tasks) {
      refs.insert(t.reference_task_name);
      CHECK(t.status == TaskStatus::kCompleted);
      if (t.task_type == "work") CHECK(executed.count(t.task_id) == 1);
    }
    CHECK(refs == std::multiset<std::string>{"first", "fork", "left", "right", "join", "last"});
  }
}
