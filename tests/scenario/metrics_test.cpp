#include <conductor/codec.hpp>
#include <conductor/engine.hpp>
#include <conductor/metrics.hpp>
#include <conductor/storage/sqlite.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <mutex>
#include <string>

using namespace conductor;

namespace {

// Counts every call by a key naming the call and its labels.
class RecordingMetrics : public Metrics {
 public:
  int count(const std::string& key) {
    std::lock_guard lock(mutex_);
    return counts_[key];
  }
  std::map<std::string, std::int64_t> depths() {
    std::lock_guard lock(mutex_);
    return depths_;
  }

  void workflow_started(std::string_view name) override { add("started:" + std::string(name)); }
  void workflow_finished(std::string_view name, WorkflowStatus status, Duration) override {
    add("finished:" + std::string(name) + ":" + std::string(to_string(status)));
  }
  void task_finished(std::string_view type, TaskStatus status) override {
    add("task:" + std::string(type) + ":" + std::string(to_string(status)));
  }
  void tasks_polled(std::string_view type, int count, Duration) override {
    add("polls:" + std::string(type));
    add("polled:" + std::string(type), count);
  }
  void task_updated(std::string_view type, Duration) override { add("updated:" + std::string(type)); }
  void workflow_decided(std::string_view name, Duration) override { add("decided:" + std::string(name)); }
  void system_task_executed(std::string_view type, Duration) override { add("system:" + std::string(type)); }
  void storage_committed(int batch_size, Duration) override { add("committed", batch_size); }
  void sweeper_round(int, Duration) override { add("sweeps"); }
  void queues_sampled(const std::vector<QueueSample>& queues) override {
    std::lock_guard lock(mutex_);
    ++counts_["samples"];
    depths_.clear();
    for (const auto& q : queues) depths_[q.queue] = q.depth;
  }

 private:
  void add(const std::string& key, int n = 1) {
    std::lock_guard lock(mutex_);
    counts_[key] += n;
  }
  std::mutex mutex_;
  std::map<std::string, int> counts_;
  std::map<std::string, std::int64_t> depths_;
};

struct MeteredEngine {
  std::shared_ptr<RecordingMetrics> metrics = std::make_shared<RecordingMetrics>();
  ManualClock* clock = nullptr;
  Engine engine{options()};

  EngineOptions options() {
    auto manual = std::make_unique<ManualClock>();
    clock = manual.get();
    EngineOptions o;
    o.storage = open_sqlite({.metrics = metrics});
    o.clock = std::move(manual);
    o.background = false;
    o.metrics = metrics;
    return o;
  }
  std::string start(const std::string& name) { return engine.executor().start_workflow({.name = name}); }
  Task poll(const std::string& type) {
    auto tasks = engine.queue().batch_poll(type, "w", std::nullopt, 1, std::chrono::milliseconds(0));
    REQUIRE(tasks.size() == 1);
    return tasks.front();
  }
  void report(const Task& task, TaskResultStatus status) {
    TaskResult r;
    r.workflow_instance_id = task.workflow_instance_id;
    r.task_id = task.task_id;
    r.status = status;
    engine.queue().update_task(r);
  }
};

}  // namespace

TEST_CASE("metrics: workflows and tasks are counted as they start, run and end", "[metrics]") {
  MeteredEngine m;
  m.engine.metadata().register_task_defs({decode<TaskDef>(R"({"name": "work", "retryCount": 1, "retryDelaySeconds": 0})")});
  m.engine.metadata().register_workflow_def(decode<WorkflowDef>(R"({"name": "flow", "tasks": [
      {"name": "work", "taskReferenceName": "w"},
      {"name": "pick", "taskReferenceName": "p", "type": "INLINE",
       "inputParameters": {"evaluatorType": "javascript", "expression": "1 + 1"}}]})"));

  CHECK(m.metrics->count("started:flow") == 0);
  const auto first = m.start("flow");
  CHECK(m.metrics->count("started:flow") == 1);
  CHECK(m.metrics->count("decided:flow") == 1);
  CHECK(m.metrics->count("committed") >= 1);

  // First run: the worker fails once, the retry completes, the INLINE runs, the workflow completes.
  m.report(m.poll("work"), TaskResultStatus::kFailed);
  CHECK(m.metrics->count("task:work:FAILED") == 1);
  CHECK(m.metrics->count("updated:work") == 1);
  m.report(m.poll("work"), TaskResultStatus::kCompleted);
  CHECK(m.metrics->count("task:work:COMPLETED") == 1);
  CHECK(m.metrics->count("system:INLINE") == 1);
  CHECK(m.metrics->count("task:INLINE:COMPLETED") == 1);
  CHECK(m.metrics->count("finished:flow:COMPLETED") == 1);
  CHECK(m.metrics->count("polled:work") == 2);

  // Second run: terminated with its task still in progress.
  const auto second = m.start("flow");
  CHECK(m.metrics->count("started:flow") == 2);
  m.poll("work");
  CHECK(m.metrics->count("polls:work") == 3);
  m.engine.executor().terminate(second, "stop");
  CHECK(m.metrics->count("finished:flow:TERMINATED") == 1);
  CHECK(m.metrics->count("task:work:CANCELED") == 1);
  CHECK(m.metrics->count("finished:flow:COMPLETED") == 1);
  CHECK(m.engine.executor().get_workflow(first).status == WorkflowStatus::kCompleted);
}

TEST_CASE("metrics: the sweeper reports its rounds and samples queue depths", "[metrics]") {
  MeteredEngine m;
  m.engine.metadata().register_task_defs({decode<TaskDef>(R"({"name": "work"})")});
  m.engine.metadata().register_workflow_def(
      decode<WorkflowDef>(R"({"name": "flow", "tasks": [{"name": "work", "taskReferenceName": "w"}]})"));
  m.start("flow");
  m.start("flow");
  m.engine.run_due();
  CHECK(m.metrics->count("sweeps") == 1);
  CHECK(m.metrics->count("samples") == 1);
  CHECK(m.metrics->depths()["work"] == 2);
  CHECK(m.metrics->depths()["_deciderQueue"] == 2);

  // Sampling waits a few seconds between rounds; then it sees the queues drained.
  m.report(m.poll("work"), TaskResultStatus::kCompleted);
  m.report(m.poll("work"), TaskResultStatus::kCompleted);
  m.engine.run_due();
  CHECK(m.metrics->count("samples") == 1);
  m.clock->advance_seconds(5);
  m.engine.run_due();
  CHECK(m.metrics->count("samples") == 2);
  CHECK(m.metrics->depths().empty());
  CHECK(m.metrics->count("sweeps") == 3);
}
