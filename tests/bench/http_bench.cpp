#include <conductor/codec.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench.hpp"
#include "http_client.hpp"
#include "server_process.hpp"
#include "tracker.hpp"

namespace conductor::bench {
namespace {

using Clock = Tracker::Clock;

// conductor-server as built next to this benchmark, or empty when the HTTP adapter is off.
constexpr std::string_view kServerProgram = CONDUCTOR_SERVER_PROGRAM;
// Starters with a connection each, enough to keep the in-flight window full while the machine is
// saturated (a start then takes about 4 ms): two left the workers polling an empty queue for about
// every other workflow, which measured the starters' latency rather than the server.
constexpr int kStarters = 4;
// Enough workflows in flight that a task is always queued for every worker.
constexpr int kInFlightPerWorker = 4;
// The SDKs' default batchPollingTimeout.
constexpr int kPollTimeoutMs = 100;
// Workflows read back at the end to check that they completed.
constexpr std::size_t kVerifiedSample = 50;

/// A failure of the server mid-run: the figures would mislead, so the run ends at once (the server,
/// our child, is killed with us) and main reports it failed.
[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "conductor-bench: http: %s\n", what.c_str());
  std::_Exit(2);
}

/// A task a worker holds, from a poll or from update-v2's answer, until its result is accepted.
struct HeldTask {
  std::string task_id;
  std::string workflow_id;
  bool completes_workflow = false;
  Json step;
  Clock::time_point received;
};

HeldTask hold(const Json& json, const std::string& last_ref, Clock::time_point received) {
  const auto& task = json.as_object();
  return {std::string(task.at("taskId").as_string()), std::string(task.at("workflowInstanceId").as_string()),
          task.at("referenceTaskName").as_string() == last_ref, task.at("inputData").as_object().at("step"), received};
}

/// What one worker did: tasks executed, and per task the milliseconds from the poll (or update-v2)
/// answer that handed it over to the answer that accepted its result.
struct WorkerLog {
  long executions = 0;
  LatencyHistogram latencies;
};

/// One external worker as the SDKs run it with concurrency 1: a kept-alive connection of its own, a
/// batch poll for its one free slot, and every result reported with update-v2, whose answer is the
/// next task to execute without another poll. It stops once `done` is set and it holds nothing.
void run_worker(std::uint16_t port, int index, const std::string& last_ref, Tracker& tracker,
                const std::atomic<bool>& done, WorkerLog& log) {
  HttpConnection connection(port);
  const std::string worker_id = fmt::format("bench-worker-{}", index);
  const std::string poll =
      fmt::format("/api/tasks/poll/batch/{}?workerid={}&count=1&timeout={}", kTaskType, worker_id, kPollTimeoutMs);
  std::optional<HeldTask> held;
  while (held || !done.load()) {
    if (!held) {
      HttpReply reply = connection.get(poll);
      if (reply.status != 200) fail(fmt::format("batch poll: HTTP {} {}", reply.status, reply.body));
      const auto tasks = boost::json::parse(reply.body);
      if (!tasks.as_array().empty()) held = hold(tasks.as_array().front(), last_ref, Clock::now());
      continue;
    }
    const boost::json::object result{{"workflowInstanceId", held->workflow_id},
                                     {"taskId", held->task_id},
                                     {"workerId", worker_id},
                                     {"status", "COMPLETED"},
                                     {"outputData", {{"done", true}, {"step", held->step}}}};
    HttpReply reply = connection.post("/api/tasks/update-v2", boost::json::serialize(result));
    const auto accepted = Clock::now();
    if (reply.status != 200 && reply.status != 204)
      fail(fmt::format("task update rejected: HTTP {} {}", reply.status, reply.body));
    log.latencies.add(std::chrono::duration<double, std::milli>(accepted - held->received).count());
    ++log.executions;
    if (held->completes_workflow) tracker.completed(held->workflow_id);
    held.reset();
    if (reply.status == 200) held = hold(boost::json::parse(reply.body), last_ref, accepted);
  }
}

/// Starts workflows by name, as an SDK's startWorkflowByName does, while the tracker admits them.
void run_starter(std::uint16_t port, Tracker& tracker, std::vector<std::string>& ids) {
  HttpConnection connection(port);
  const std::string target = fmt::format("/api/workflow/{}", kWorkflowName);
  long order = 0;
  while (tracker.admit()) {
    const auto at = Clock::now();
    HttpReply reply = connection.post(target, fmt::format(R"({{"order":{}}})", ++order));
    if (reply.status != 200) fail(fmt::format("start: HTTP {} {}", reply.status, reply.body));
    tracker.started(reply.body, at);
    ids.push_back(std::move(reply.body));
  }
}

/// Runs `body` on a thread; an exception there (a lost connection) fails the run.
std::thread guarded_thread(std::function<void()> body) {
  return std::thread([body = std::move(body)] {
    try {
      body();
    } catch (const std::exception& e) {
      fail(e.what());
    }
  });
}

/// Reads back an evenly spread sample of the workflows: each must be COMPLETED with all its tasks.
void verify_completed(HttpConnection& connection, const std::vector<std::string>& ids) {
  const std::size_t stride = std::max<std::size_t>(1, ids.size() / kVerifiedSample);
  for (std::size_t i = 0; i < ids.size(); i += stride) {
    HttpReply reply = connection.get(fmt::format("/api/workflow/{}?includeTasks=true", ids[i]));
    expect_success(reply, "reading workflow " + ids[i]);
    const auto json = boost::json::parse(reply.body);
    const auto& workflow = json.as_object();
    const auto& tasks = workflow.at("tasks").as_array();
    const bool tasks_completed = std::all_of(tasks.begin(), tasks.end(), [](const Json& task) {
      return task.as_object().at("status").as_string() == "COMPLETED";
    });
    if (workflow.at("status").as_string() != "COMPLETED" || tasks.size() != kTasksPerWorkflow || !tasks_completed)
      throw std::runtime_error(fmt::format("workflow {} did not complete: {}", ids[i], reply.body));
  }
}

}  // namespace

bool http_available() { return !kServerProgram.empty(); }

std::string_view server_program() { return kServerProgram; }

std::vector<std::string> server_storage(StorageKind kind, const std::filesystem::path& dir) {
  if (kind == StorageKind::kMemory) return {"--db", ":memory:"};
  if (kind == StorageKind::kPostgres) return {"--db", postgres_database(), "--pool-size", "16"};
  return {"--db", (dir / "server.db").string(), "--sync", kind == StorageKind::kFull ? "full" : "normal"};
}

void register_workload(HttpConnection& admin) {
  expect_success(admin.get("/health"), "health check");
  expect_success(admin.post("/api/metadata/taskdefs", to_json_text(to_json_array(std::vector{bench_task_def()}))),
                 "registering the task definition");
  expect_success(admin.post("/api/metadata/workflow?overwrite=true", encode(three_step_workflow())),
                 "registering the workflow definition");
}

Figures run_http(const HttpConfig& config) {
  if (!http_available()) throw std::runtime_error("conductor-server was not built (CONDUCTOR_WITH_HTTP=OFF)");
  const WorkflowDef workflow = three_step_workflow();
  const std::string last_ref = workflow.tasks.back().task_reference_name;
  std::vector<std::string> arguments = server_storage(config.storage, config.dir);
  arguments.insert(arguments.end(), {"--worker-threads", std::to_string(config.workers + kStarters)});
  std::vector<std::unique_ptr<ServerProcess>> servers;
  for (int i = 0; i < std::max(1, config.processes); ++i) {
    servers.push_back(std::make_unique<ServerProcess>(kServerProgram, arguments,
                                                      config.dir / fmt::format("server{}.log", i)));
  }
  auto port_of = [&](int i) { return servers[static_cast<std::size_t>(i) % servers.size()]->port(); };
  auto servers_cpu = [&] {
    double cpu = 0;
    for (const auto& server : servers) cpu += server->cpu_seconds();
    return cpu;
  };
  HttpConnection admin(port_of(0));
  register_workload(admin);

  Tracker tracker(config.workers * kInFlightPerWorker, config.max_workflows, config.max_seconds);
  std::atomic<bool> done{false};
  std::vector<WorkerLog> logs(static_cast<std::size_t>(config.workers));
  std::vector<std::vector<std::string>> started_ids(kStarters);
  const double server_cpu_before = servers_cpu();
  const double load_cpu_before = cpu_seconds();
  std::vector<std::thread> workers;
  for (int i = 0; i < config.workers; ++i) {
    workers.push_back(guarded_thread([&, i] {
      run_worker(port_of(i), i, last_ref, tracker, done, logs[static_cast<std::size_t>(i)]);
    }));
  }
  std::vector<std::thread> starters;
  for (int i = 0; i < kStarters; ++i) {
    starters.push_back(guarded_thread([&, i] { run_starter(port_of(i), tracker, started_ids[static_cast<std::size_t>(i)]); }));
  }
  for (auto& t : starters) t.join();
  if (!tracker.wait_done(std::chrono::seconds(120))) fail("workflows did not complete within 120 s");
  const double server_cpu = servers_cpu() - server_cpu_before;
  const double load_cpu = cpu_seconds() - load_cpu_before;
  double server_peak_rss = 0;
  for (const auto& server : servers) server_peak_rss = std::max(server_peak_rss, server->peak_rss_mib());
  done = true;
  for (auto& t : workers) t.join();

  long executions = 0;
  LatencyHistogram latencies;
  for (const WorkerLog& log : logs) {
    executions += log.executions;
    latencies.merge(log.latencies);
  }
  std::vector<std::string> ids;
  for (const auto& some : started_ids) ids.insert(ids.end(), some.begin(), some.end());
  if (executions != kTasksPerWorkflow * tracker.started_count())
    throw std::runtime_error(fmt::format("{} task executions for {} workflows", executions, tracker.started_count()));
  verify_completed(admin, ids);
  for (const auto& server : servers) server->stop();

  if (tracker.completed_count() <= 0) throw std::runtime_error("no workflow completed");
  const double seconds = tracker.elapsed_seconds();
  const double tasks = static_cast<double>(executions);
  const std::string prefix =
      servers.size() > 1 ? fmt::format("multiprocess_{}_processes{}", to_string(config.storage), servers.size())
                         : fmt::format("http_{}_workers{}", to_string(config.storage), config.workers);
  return {
      {prefix + "_tasks", tasks, "tasks"},
      {prefix + "_task_exec_per_s", tasks / seconds, "tasks/s"},
      {prefix + "_p50_ms", latencies.percentile(0.50), "ms"},
      {prefix + "_p99_ms", latencies.percentile(0.99), "ms"},
      {prefix + "_wf_starts_per_s", static_cast<double>(tracker.started_count()) / tracker.admitting_seconds(), "wf/s"},
      {prefix + "_wf_per_s", static_cast<double>(tracker.completed_count()) / seconds, "wf/s"},
      {prefix + "_server_cpu_s_per_1000_tasks", server_cpu * 1000 / tasks, "s"},
      {prefix + "_load_cpu_s_per_1000_tasks", load_cpu * 1000 / tasks, "s"},
      {prefix + "_server_peak_rss", server_peak_rss, "MiB"},
  };
}

}  // namespace conductor::bench
