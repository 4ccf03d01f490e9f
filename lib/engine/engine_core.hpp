#pragma once

#include <conductor/engine.hpp>
#include <conductor/storage/remote_pushes.hpp>

#include "decider/parameters.hpp"
#include "decider/shared_definitions.hpp"
#include "engine/call_runner.hpp"
#include "engine/held_back_tasks.hpp"
#include "engine/poll_data_throttle.hpp"
#include "engine/queue_signal.hpp"
#include "engine/retention.hpp"
#include "engine/workflow_locks.hpp"
#include "engine/workflow_watchers.hpp"
#include "events/conductor_queue.hpp"
#include "events/event_processor.hpp"
#include "events/kafka_source.hpp"
#include "executor/workflow_cache.hpp"
#include "tasks/task_handler.hpp"
#include "executor/workflow_ops.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace conductor::detail {

/// Engine timing settings (Conductor's ConductorProperties defaults).
struct EngineSettings {
  std::int64_t workflow_offset_timeout_s = 30;
  std::int64_t max_postpone_s = 3600;
  std::int64_t task_execution_postpone_s = 60;
  std::int64_t active_worker_last_poll_s = 10;
  std::int64_t default_unack_ms = 60'000;
  std::int64_t max_long_poll_ms = 5'000;
  std::int64_t max_workflow_variables_kb = 256;
};

/// Running workflows whose decoded state is kept between steps: a few times what is in flight at once.
inline constexpr std::size_t kWorkflowCacheCapacity = 1024;

/// Everything the Engine owns, shared by the facades (MetadataService, WorkflowExecutor, TaskQueue).
class EngineCore {
 public:
  explicit EngineCore(EngineOptions options);
  ~EngineCore();

  Storage& storage() { return *storage_; }
  const Clock& clock() const { return *clock_; }
  const EngineSettings& settings() const { return settings_; }
  const TaskRegistry& registry() const { return registry_; }
  const PropertyMap& properties() const { return properties_; }
  /// Null when the engine keeps every payload in its row.
  PayloadStorage* payload_storage() const { return payload_storage_.get(); }
  const PayloadLimits& payload_limits() const { return payload_limits_; }
  const Limits& limits() const { return limits_; }
  QueueSignal& signal() { return signal_; }
  /// Whether other processes share the storage's queues (and are told of this one's pushes).
  bool shares_queues() const { return remote_pushes_ != nullptr; }
  /// IndexStore::summarizes_stored_rows of the storage.
  bool summarizes_stored_rows() const { return summarizes_stored_rows_; }
  WorkflowLocks& workflow_locks() { return workflow_locks_; }
  WorkflowWatchers& watchers() { return watchers_; }
  WorkflowCache& workflow_cache() { return workflow_cache_; }
  SharedDefinitions& shared_definitions() { return shared_definitions_; }
  PollDataThrottle& poll_data_throttle() { return poll_data_throttle_; }
  HeldBackTasks& held_back() { return held_back_; }
  WorkflowOps& ops() { return ops_; }
  /// The host's metrics hook, or null: callers take timings only when it is set.
  Metrics* metrics() const { return metrics_.get(); }

  MetadataService& metadata() { return metadata_; }
  WorkflowExecutor& executor() { return executor_; }
  TaskQueue& queue() { return queue_; }
  WorkerRunner& workers() { return workers_; }

  void add_listener(std::shared_ptr<StatusListener> listener);
  void fire(WorkflowEvent event, const Workflow& workflow);
  void fire(const Task& task);
  bool has_listeners() const { return has_listeners_.load(); }

  /// Hands a message to the host's logger, if it has one. Never throws.
  void log(LogLevel level, std::string_view message, const LogFields& fields = {}) noexcept;

  /// Refuses a page larger than Limits::max_search_page_size (ValidationError naming `what` is
  /// searched), then brings the free-text index up to date when `query` has free text, so that the
  /// search sees every change committed before it (the index is otherwise brought up to date by the
  /// sweeper).
  void prepare_search(const SearchQuery& query, std::string_view what);

  /// One sweep over everything due now; see Engine::run_due.
  int run_due();
  /// Asks the background sweeper to run now (work for a system task or the decider was queued).
  void wake_sweeper();

 private:
  void sweeper_loop(std::chrono::milliseconds interval);
  /// Reports every queue's depth and oldest due message, at most every few seconds.
  void sample_queues();

  std::shared_ptr<PayloadStorage> payload_storage_;
  PayloadLimits payload_limits_;
  RemotePushes* remote_pushes_ = nullptr;  ///< the storage's, when other processes share it
  std::unique_ptr<Storage> storage_;
  bool summarizes_stored_rows_ = false;
  std::unique_ptr<Clock> clock_;
  Logger logger_;
  std::shared_ptr<Metrics> metrics_;
  EpochMillis last_queue_sample_ = 0;
  EngineSettings settings_;
  Limits limits_;
  PropertyMap properties_;
  TaskRegistry registry_;
  QueueSignal signal_;
  WorkflowLocks workflow_locks_;
  WorkflowWatchers watchers_;
  WorkflowCache workflow_cache_{kWorkflowCacheCapacity};
  SharedDefinitions shared_definitions_;
  PollDataThrottle poll_data_throttle_;
  HeldBackTasks held_back_;
  WorkflowOps ops_;
  MetadataService metadata_;
  WorkflowExecutor executor_;
  TaskQueue queue_;
  WorkerRunner workers_;
  ConductorEventQueue event_queue_{*this};
  EventProcessor event_processor_{*this, event_queue_};
  std::unique_ptr<KafkaEventSource> kafka_source_;
  Retention retention_;

  std::mutex listeners_mutex_;
  std::vector<std::shared_ptr<StatusListener>> listeners_;
  std::atomic<bool> has_listeners_{false};

  std::mutex sweeper_mutex_;
  std::condition_variable sweeper_wake_;
  bool stopping_ = false;
  bool wake_requested_ = false;
  std::thread sweeper_;
  /// Last, so that it stops first: its reporting thread, and the results it still stores, use
  /// everything above.
  CallRunner calls_;
};

}  // namespace conductor::detail
