#include <conductor/conductor.hpp>
#include <conductor/storage/sqlite.hpp>
#ifdef CONDUCTOR_WITH_POSTGRES
#include <conductor/storage/postgres.hpp>
#endif
#ifdef CONDUCTOR_WITH_PROMETHEUS
#include <conductor/prometheus_metrics.hpp>
#endif

#include <sqlite3.h>

#include <cmath>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "bench.hpp"
#include "counting_storage.hpp"
#include "tracker.hpp"

namespace conductor::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Each task is scheduled, started by a poll and completed: three task state changes.
constexpr int kTransitionsPerTask = 3;

/// RSS and the database's size sampled while the run goes, to tell growth from a one-off peak.
class RssSampler {
 public:
  RssSampler(Tracker& tracker, std::function<double()> database_bytes)
      : tracker_(tracker), database_bytes_(std::move(database_bytes)), thread_([this] { run(); }) {}
  ~RssSampler() { stop(); }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  /// RSS at the end minus RSS once a fifth of the workflows had completed.
  double growth_mib() const {
    if (samples_.empty()) return 0;
    long total = samples_.back().completed;
    auto first = std::find_if(samples_.begin(), samples_.end(), [&](const Sample& s) { return s.completed * 5 >= total; });
    return samples_.back().rss - first->rss;
  }

  /// The database's size at the end minus its size once half of the workflows had completed
  /// (without the write-ahead log, whose size follows checkpoint timing, not what is stored).
  double database_growth_bytes() const {
    if (samples_.empty()) return 0;
    long total = samples_.back().completed;
    auto half = std::find_if(samples_.begin(), samples_.end(), [&](const Sample& s) { return s.completed * 2 >= total; });
    return samples_.back().database - half->database;
  }

 private:
  struct Sample {
    long completed;
    double rss;
    double database;
  };

  void run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      Sample sample{tracker_.completed_count(), rss_mib(), database_bytes_()};
      lock.lock();
      samples_.push_back(sample);
      wake_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_; });
    }
    samples_.push_back({tracker_.completed_count(), rss_mib(), database_bytes_()});
  }

  Tracker& tracker_;
  std::function<double()> database_bytes_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<Sample> samples_;
  std::thread thread_;
};

double database_bytes(StorageKind kind, const std::filesystem::path& db, bool with_log = true) {
  if (kind == StorageKind::kMemory) return static_cast<double>(sqlite3_memory_used());
  if (kind == StorageKind::kPostgres) return std::nan("");  // the server's files are not ours to measure
  double bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    if (!with_log && *suffix != '\0') break;
    std::error_code error;
    auto size = std::filesystem::file_size(db.string() + suffix, error);
    if (!error) bytes += static_cast<double>(size);
  }
  return bytes;
}

}  // namespace

std::unique_ptr<Storage> open_storage(StorageKind kind, const std::filesystem::path& db) {
  switch (kind) {
    case StorageKind::kFull:
      return open_sqlite({.path = db.string(), .sync = SqliteSync::kFull});
    case StorageKind::kNormal:
      return open_sqlite({.path = db.string(), .sync = SqliteSync::kNormal});
    case StorageKind::kMemory:
      return open_sqlite({.path = ":memory:", .sync = SqliteSync::kOff});
    case StorageKind::kPostgres:
#ifdef CONDUCTOR_WITH_POSTGRES
      return open_postgres({.url = postgres_database(), .pool_size = 16});
#else
      throw std::invalid_argument("postgres: this build has no PostgreSQL support");
#endif
  }
  throw std::logic_error("unknown storage kind");
}

Figures run_inprocess(const InProcessConfig& config) {
  const std::filesystem::path db = config.dir / "engine.db";
  auto counting = std::make_unique<testing::CountingStorage>(open_storage(config.storage, db));
  testing::CountingStorage& storage = *counting;
  Tracker tracker(config.in_flight, config.max_workflows, config.max_seconds);

  EngineOptions options{.storage = std::move(counting)};
#ifdef CONDUCTOR_WITH_PROMETHEUS
  if (config.metrics) options.metrics = std::make_shared<PrometheusMetrics>();
#endif
  if (config.retain) options.retention = {.max_age = *config.retain};
  auto engine = std::make_unique<Engine>(std::move(options));
  engine->metadata().register_task_defs({bench_task_def()});
  engine->metadata().register_workflow_def(three_step_workflow());
  engine->executor().add_listener(std::make_shared<CompletionListener>(tracker));

  const int worker_threads = config.worker_threads > 0 ? config.worker_threads : std::clamp(config.in_flight, 1, 16);
  engine->workers().add(
      {.task_type = std::string(kTaskType), .threads = worker_threads,
       .batch_size = std::max(1, config.in_flight / worker_threads)},
      bench_task_output);
  engine->workers().start();

  const long commits_before = storage.commits();
  const double cpu_before = cpu_seconds();
  RssSampler sampler(tracker, [&] { return database_bytes(config.storage, db, false); });
  keep_in_flight(*engine, tracker, config.in_flight);
  if (!tracker.wait_done(std::chrono::seconds(120))) throw std::runtime_error("workflows did not complete in time");
  const double cpu = cpu_seconds() - cpu_before;
  const long commits = storage.commits() - commits_before;
  sampler.stop();
  const double peak_rss = peak_rss_mib();
  // With retention, what it has not removed yet: the last second's workflows when it keeps up.
  const auto stored = engine->executor().search({.size = 1}).total_hits;

  engine->workers().stop();
  double memory_db_bytes = database_bytes(config.storage, db);
  engine.reset();  // closing the last connection checkpoints the WAL into the database file
  const double db_bytes = config.storage == StorageKind::kMemory ? memory_db_bytes : database_bytes(config.storage, db);

  const long completed = tracker.completed_count();
  if (completed <= 0) throw std::runtime_error("no workflow completed");
  const double seconds = tracker.elapsed_seconds();
  const double wf_per_s = static_cast<double>(completed) / seconds;
  const auto latencies = tracker.latencies();
  const std::string prefix = fmt::format("inprocess_{}_inflight{}{}{}", to_string(config.storage), config.in_flight,
                                         config.metrics ? "_metrics" : "", config.retain ? "_retained" : "");
  return {
      {prefix + "_workflows", static_cast<double>(completed), "wf"},
      {prefix + "_wf_per_s", wf_per_s, "wf/s"},
      {prefix + "_transitions_per_s", wf_per_s * kTasksPerWorkflow * kTransitionsPerTask, "transitions/s"},
      {prefix + "_p50_ms", latencies.percentile(0.50), "ms"},
      {prefix + "_p99_ms", latencies.percentile(0.99), "ms"},
      {prefix + "_cpu_s_per_1000_wf", cpu * 1000 / static_cast<double>(completed), "s"},
      {prefix + "_commits_per_wf", static_cast<double>(commits) / static_cast<double>(completed), "commits"},
      {prefix + "_peak_rss", peak_rss, "MiB"},
      {prefix + "_rss_growth", sampler.growth_mib(), "MiB"},
      {prefix + "_db_bytes_per_wf", db_bytes / static_cast<double>(completed), "bytes"},
      {prefix + "_db_bytes", db_bytes, "bytes"},
      {prefix + "_db_growth_second_half", sampler.database_growth_bytes(), "bytes"},
      {prefix + "_workflows_stored_at_end", static_cast<double>(stored), "wf"},
  };
}

bool metrics_available() {
#ifdef CONDUCTOR_WITH_PROMETHEUS
  return true;
#else
  return false;
#endif
}

}  // namespace conductor::bench
