#pragma once

#include <conductor/model/task.hpp>
#include <conductor/model/task_def.hpp>
#include <conductor/storage/storage.hpp>
#include <conductor/model/workflow_def.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// The pieces of conductor-bench: each scenario returns its figures; main.cpp runs every scenario in
/// a child process of its own (so peak RSS and CPU time belong to that run alone) and prints them.
namespace conductor::bench {

/// Where a run keeps its data: a SQLite file synced on every commit, a file with synchronous=NORMAL,
/// a private in-memory database, or a schema of its own on a PostgreSQL server.
enum class StorageKind { kFull, kNormal, kMemory, kPostgres };

/// The PostgreSQL server runs use (set once by main), and a fresh schema on it for one run.
void set_postgres_server(std::string url);
const std::string& postgres_server();
std::string postgres_database();

std::string_view to_string(StorageKind kind);

/// The engine's storage of that kind; `db` is the file (unused for memory).
std::unique_ptr<Storage> open_storage(StorageKind kind, const std::filesystem::path& db);

/// One measured value, printed as `figure NAME VALUE UNIT`.
struct Figure {
  std::string name;
  double value = 0;
  std::string unit;
};
using Figures = std::vector<Figure>;

/// The workload of the engine scenarios: a workflow of three sequential SIMPLE tasks of one type,
/// each node with two input expressions.
inline constexpr std::string_view kTaskType = "bench_task";
inline constexpr std::string_view kWorkflowName = "bench_three_steps";
inline constexpr int kTasksPerWorkflow = 3;
TaskDef bench_task_def();
WorkflowDef three_step_workflow();
/// What an in-process worker of the workload answers.
JsonObject bench_task_output(const Task& task);

/// Latencies in logarithmic buckets 1% wide, from a microsecond to over six hours: fixed memory
/// however many are recorded, so a long run's RSS shows the engine's memory and not this record.
class LatencyHistogram {
 public:
  void add(double ms);
  void merge(const LatencyHistogram& other);
  /// The latency at fraction `p` (0 to 1) of those recorded, to within 1%; 0 when none were.
  double percentile(double p) const;

 private:
  static constexpr double kMinMs = 0.001;
  static constexpr double kGrowth = 1.01;
  static constexpr std::size_t kBuckets = 2400;

  std::vector<long> counts_ = std::vector<long>(kBuckets);
  long total_ = 0;
};

struct InProcessConfig {
  StorageKind storage = StorageKind::kFull;
  int in_flight = 1;
  int max_workflows = 100'000;
  double max_seconds = 15;  ///< no new workflow starts after this long; 0 means no limit
  int worker_threads = 0;   ///< 0 picks one from in_flight
  std::filesystem::path dir;
  bool metrics = false;  ///< collect the engine's metrics (PrometheusMetrics), to measure what they cost
  /// Remove completed workflows this long after their end (the engine's retention), to show the
  /// database staying flat.
  std::optional<std::chrono::seconds> retain;
};

/// Whether --metrics can run: conductor::prometheus was built.
bool metrics_available();

/// W workflows of three sequential SIMPLE tasks, run by in-process workers, `in_flight` at a time.
Figures run_inprocess(const InProcessConfig& config);

struct EmbeddedConfig {
  /// Engine processes on the one PostgreSQL database, each with its own workers and starters.
  int processes = 3;
  /// Workflows in flight across all of them.
  int in_flight = 64;
  int max_workflows = 100'000;
  double max_seconds = 10;  ///< no new workflow starts after this long; 0 means no limit
};

/// The in-process workload spread over engine processes on one PostgreSQL database: a workflow
/// started in one may run its tasks and complete in another.
Figures run_embedded(const EmbeddedConfig& config);

struct StallConfig {
  StorageKind storage = StorageKind::kFull;
  int in_flight = 8;
  std::chrono::milliseconds spin{2000};
  std::filesystem::path dir;
};

/// Standard workflows, `in_flight` at a time, while one other workflow's INLINE task spins for `spin`:
/// their p99 latency during the spin shows whether one slow script stalls everyone else.
Figures run_stall(const StallConfig& config);

struct HttpConfig {
  StorageKind storage = StorageKind::kFull;
  /// conductor-server processes on the one database (more than one only on PostgreSQL); workers
  /// and starters are spread over them.
  int processes = 1;
  int workers = 8;
  int max_workflows = 100'000;
  double max_seconds = 15;  ///< no new workflow starts after this long; 0 means no limit
  std::filesystem::path dir;
};

/// Whether conductor-server was built with this benchmark, which the HTTP scenarios run.
bool http_available();
/// The conductor-server program the HTTP scenarios run.
std::string_view server_program();
/// conductor-server's storage options for `kind`, with its database under `dir`.
std::vector<std::string> server_storage(StorageKind kind, const std::filesystem::path& dir);
class HttpConnection;
/// Checks that the server answers, and registers the task and workflow definitions of the workload.
void register_workload(HttpConnection& admin);

/// The same workflows over HTTP: a conductor-server child process on the storage, `workers` external
/// workers with a kept-alive connection each (batch poll, update-v2), and starters keeping four
/// workflows per worker in flight.
Figures run_http(const HttpConfig& config);

struct LongPollConfig {
  StorageKind storage = StorageKind::kFull;
  /// Long polls parked on task types with nothing queued while starts and updates are measured.
  int waiting_polls = 500;
  std::filesystem::path dir;
};

/// Start-workflow and task-update latencies over HTTP, first with no poll waiting, then while
/// `waiting_polls` long polls wait on idle task types; and whether each of those polls came back
/// within its timeout.
Figures run_longpoll(const LongPollConfig& config);

/// The storage's own limit at the same sync level: one-row transactions committed one at a time,
/// and 100 rows per commit.
Figures run_raw_storage(StorageKind kind, const std::filesystem::path& dir, double seconds);
/// One-row transactions committed one at a time by one client on the PostgreSQL server.
Figures run_raw_postgres(double seconds);

/// Free-text search over 100,000 workflow summaries written straight into the index of a SQLite file
/// (synchronous=NORMAL): the cost of indexing them, and the median time of a free-text, a
/// field:value and a combined query, each counting every match and reading a page of 100.
Figures run_search(const std::filesystem::path& dir);

/// User plus system CPU time of this process so far.
double cpu_seconds();
/// Resident set size now, in MiB.
double rss_mib();
/// The highest resident set size of this process so far, in MiB.
double peak_rss_mib();

}  // namespace conductor::bench
