#pragma once

#include <conductor/clock.hpp>
#include <conductor/logger.hpp>
#include <conductor/export.hpp>
#include <conductor/limits.hpp>
#include <conductor/metadata_service.hpp>
#include <conductor/payload_storage.hpp>
#include <conductor/metrics.hpp>
#include <conductor/storage/storage.hpp>
#include <conductor/task_queue.hpp>
#include <conductor/worker.hpp>
#include <conductor/workflow_executor.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

namespace conductor {

/// When ended workflows (COMPLETED, FAILED, TIMED_OUT, TERMINATED) are removed from storage; by
/// default never, as in Conductor. The sweeper removes them in small batches, oldest end first, each
/// removal a short transaction of its own, so it never holds up the workflows that are running. A
/// sub-workflow goes once its parent has.
struct RetentionOptions {
  /// How long after its end a workflow is kept; forever when unset.
  std::optional<std::chrono::seconds> max_age;
  /// Per workflow definition name, replacing max_age for that definition (unset: kept forever).
  std::map<std::string, std::optional<std::chrono::seconds>> max_age_by_name;
  /// Keep the search summaries of removed workflows: they are still found by searches, but their
  /// executions (tasks, inputs, outputs, logs) are gone.
  bool archive = false;
  /// Workflows removed per sweeper round at most, across all definitions.
  int batch_size = 100;
};

struct EngineOptions {
  /// Where everything is stored; an in-memory SQLite database when null.
  std::unique_ptr<Storage> storage;
  /// The engine's time source; the system clock when null. Tests pass a ManualClock they keep a
  /// pointer to.
  std::unique_ptr<Clock> clock;
  /// Run the sweeper (timers, retries, timeouts, recovery) on a background thread. Tests that drive a
  /// ManualClock turn it off and call Engine::run_due() instead.
  bool background = true;
  /// How often the background sweeper looks for due work when nothing woke it earlier.
  std::chrono::milliseconds sweep_interval{200};
  MetadataOptions metadata;
  /// Values for `${NAME}` parameter expressions, looked up after the process environment.
  std::map<std::string, std::string> properties;
  /// How many HTTP task calls may be in flight at once; more wait in their queue until one ends.
  /// The calls run on a thread of their own, never on a thread that decides or stores.
  std::size_t max_http_calls_in_flight = 64;
  /// Where the engine's own messages go (failed sweeps, results waiting to be stored); dropped when
  /// null. conductor::stderr_logger() writes them to stderr.
  Logger logger;
  /// Where payloads above `payload_limits`' thresholds are kept instead of their rows
  /// (conductor::directory_payload_storage, or your own). Null: every payload stays in its row, and a
  /// start naming `external_input_payload_storage_path` is refused.
  std::shared_ptr<PayloadStorage> payload_storage;
  /// Thresholds for payload_storage, and the largest input or output a caller may hand in (enforced
  /// with or without a payload storage).
  PayloadLimits payload_limits;
  /// Where the engine's counts and timings go; none are taken when null. When `storage` is null the
  /// engine's own SQLite database reports its commits here too (a host opening its own passes the
  /// same Metrics in SqliteOptions).
  std::shared_ptr<Metrics> metrics;
  RetentionOptions retention;
  /// Bounds on requests and on what a workflow may grow to; see Limits.
  Limits limits;
};

/// The embedded Conductor: owns the storage, the clock, the services, the worker runner and the
/// background sweeper. Services are handed out by reference and valid while the Engine lives; the
/// destructor stops the workers and the sweeper and joins their threads.
///
/// A workflow advances on every start and task update, in the same transaction; the sweeper is only
/// there for what time makes due (delays, retries, timeouts) and for recovery after a crash: open the
/// same database again and every RUNNING workflow continues.
///
///     conductor::Engine engine({.storage = conductor::open_sqlite({.path = "app.db"})});
///     engine.metadata().register_workflow_def(def);
///     engine.workers().add({.task_type = "greet"}, [](const conductor::Task&) {
///       return conductor::JsonObject{{"hello", "world"}};
///     });
///     engine.workers().start();
///     auto id = engine.executor().start_workflow({.name = def.name});
class CONDUCTOR_EXPORT Engine {
 public:
  explicit Engine(EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  MetadataService& metadata();
  WorkflowExecutor& executor();
  TaskQueue& queue();
  WorkerRunner& workers();
  const Clock& clock() const;
  /// The engine's payload storage; null when it has none.
  PayloadStorage* payload_storage();
  const PayloadLimits& payload_limits() const;
  /// The bounds the engine enforces (EngineOptions::limits).
  const Limits& limits() const;

  /// The values `${workflow.env.NAME}` resolves to, by NAME: `CONDUCTOR_ENV_<NAME>` from the process
  /// environment, then from EngineOptions::properties.
  std::map<std::string, std::string> environment_variables() const;
  /// The names `${workflow.secrets.NAME}` resolves, from `CONDUCTOR_SECRET_<NAME>` likewise, sorted.
  /// Secret values are never listed.
  std::vector<std::string> secret_names() const;

  /// Does all work that is due now: decides workflows whose decider timer expired (timeouts, retries
  /// becoming due, recovery) and runs due system tasks. Returns how many items were processed.
  /// The background sweeper calls this; tests with a ManualClock call it after advancing time.
  int run_due();

 private:
  std::unique_ptr<detail::EngineCore> core_;
};

}  // namespace conductor
