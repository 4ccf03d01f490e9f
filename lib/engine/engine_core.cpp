#include "engine/engine_core.hpp"

#include <conductor/storage/remote_pushes.hpp>
#include <conductor/storage/sqlite.hpp>

#include "decider/parameters.hpp"
#include "executor/change.hpp"
#include "storage/payload_offloading.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace conductor::detail {

namespace {
constexpr int kSweepBatch = 32;
// Counting every queue reads the whole queue table: often enough for a dashboard, rarely enough to
// cost nothing.
constexpr std::int64_t kQueueSampleIntervalMs = 5000;

// `remote` is found before any wrapper hides the backend's type.
std::unique_ptr<Storage> open_storage(EngineOptions& options, RemotePushes*& remote) {
  auto storage = options.storage ? std::move(options.storage) : open_sqlite({.metrics = options.metrics});
  remote = dynamic_cast<RemotePushes*>(storage.get());
  if (!options.payload_storage) return storage;
  return offload_payloads(std::move(storage), options.payload_storage, options.payload_limits);
}
}  // namespace

EngineCore::EngineCore(EngineOptions options)
    : payload_storage_(options.payload_storage),
      payload_limits_(options.payload_limits),
      storage_(open_storage(options, remote_pushes_)),
      clock_(options.clock ? std::move(options.clock) : system_clock()),
      logger_(std::move(options.logger)),
      metrics_(std::move(options.metrics)),
      limits_(options.limits),
      properties_(options.properties.begin(), options.properties.end()),
      ops_(*this),
      metadata_(*storage_, *clock_, options.metadata, options.limits),
      executor_(*this),
      queue_(*this),
      workers_(*this),
      kafka_source_(KafkaEventSource::open(*this, event_queue_)),
      retention_(*this, std::move(options.retention)),
      calls_(*this, options.max_http_calls_in_flight) {
  summarizes_stored_rows_ = storage_->begin(TransactionMode::kRead)->index().summarizes_stored_rows();
  // A storage shared with other processes reports their pushes, so local long polls wake at once.
  if (remote_pushes_) {
    signal_.set_elsewhere([this](const std::string& queue) { remote_pushes_->announce(queue); });
    signal_.set_on_waiting([this](bool waiting) { remote_pushes_->set_waiting(waiting); });
    remote_pushes_->set_push_listener([this](const std::optional<std::string>& queue) {
      if (queue) {
        signal_.notify({*queue});
      } else {
        signal_.wake_all();
      }
    });
  }
  if (options.background) sweeper_ = std::thread([this, interval = options.sweep_interval] { sweeper_loop(interval); });
}

EngineCore::~EngineCore() {
  if (remote_pushes_) {
    // The polls' last wake-ups below need no listening any more.
    signal_.set_on_waiting({});
    remote_pushes_->set_push_listener({});
  }
  workers_.stop();
  {
    std::lock_guard lock(sweeper_mutex_);
    stopping_ = true;
  }
  sweeper_wake_.notify_all();
  signal_.interrupt();
  if (sweeper_.joinable()) sweeper_.join();
}

void EngineCore::add_listener(std::shared_ptr<StatusListener> listener) {
  std::lock_guard lock(listeners_mutex_);
  listeners_.push_back(std::move(listener));
  has_listeners_ = true;
}

void EngineCore::fire(WorkflowEvent event, const Workflow& workflow) {
  std::vector<std::shared_ptr<StatusListener>> listeners;
  {
    std::lock_guard lock(listeners_mutex_);
    listeners = listeners_;
  }
  for (const auto& l : listeners) {
    try {
      l->on_workflow(event, workflow);
    } catch (...) {
      // A listener must never undo or stall a committed change.
    }
  }
}

void EngineCore::fire(const Task& task) {
  std::vector<std::shared_ptr<StatusListener>> listeners;
  {
    std::lock_guard lock(listeners_mutex_);
    listeners = listeners_;
  }
  for (const auto& l : listeners) {
    try {
      l->on_task(task);
    } catch (...) {
    }
  }
}

void EngineCore::log(LogLevel level, std::string_view message, const LogFields& fields) noexcept {
  if (!logger_) return;
  try {
    logger_(level, message, fields);
  } catch (...) {
    // A logger that throws must not take the engine's thread down with it.
  }
}

void EngineCore::prepare_search(const SearchQuery& query, std::string_view what) {
  const std::int64_t max_size = limits_.max_search_page_size;
  if (query.size > max_size) {
    throw ValidationError(fmt::format("Cannot return more than {} {}. Please use pagination.", max_size, what),
                          {{"size", fmt::format("must be at most {}", max_size), std::to_string(query.size)}});
  }
  if (query.free_text.find_first_not_of(" *") == std::string::npos) return;
  run_in_writer(*this, [](Transaction& tx, AfterCommit&) { tx.index().flush_free_text(); });
}

int EngineCore::run_due() {
  int processed = 0;
  // One look at every queue the round serves, and pops only of those with a message due: an idle
  // round costs one read, not a pop per queue (several times a second, in every process). Work done
  // in the round may push messages due now to the queues after it, so a queue checked after work
  // looks again. The look runs under the writer as the pops do: a read transaction of its own would
  // take the writer from group commit on an in-memory database.
  std::vector<std::string> queues{std::string(kDeciderQueue), std::string(ConductorEventQueue::kQueue)};
  for (const auto* handler : registry_.async_handlers()) queues.emplace_back(handler->type());
  std::map<std::string, std::int64_t, std::less<>> next;
  EpochMillis looked_at = 0;
  int looked_after = 0;  // `processed` at the last look
  auto look = [&] {
    looked_at = clock_->now_ms();
    next = run_in_writer(*this, [&](Transaction& tx, AfterCommit&) { return tx.queues().next_visible_times(queues); });
    looked_after = processed;
  };
  auto due = [&](std::string_view queue) {
    if (looked_after != processed) look();
    const auto found = next.find(queue);
    return found != next.end() && found->second <= looked_at;
  };
  look();
  // How long the most overdue message had been due, at the round's first look.
  std::int64_t lag_ms = 0;
  for (const auto& [queue, visible_at] : next) lag_ms = std::max(lag_ms, looked_at - visible_at);
  // Pops under the writer, so a message goes to one sweeper even across processes; the work itself
  // runs as changes of their own, outside the writer.
  auto pop = [this](const std::string& queue, int count, std::int64_t unack_ms) {
    return run_in_writer(*this, [&](Transaction& tx, AfterCommit&) {
      return tx.queues().pop(queue, count, clock_->now_ms(), unack_ms);
    });
  };
  for (const auto* handler : registry_.async_handlers()) {
    const std::string queue{handler->type()};
    for (bool more = due(queue); more;) {
      // A type that calls out takes no more messages than it may start calls: the rest wait in the
      // queue, and the end of a call wakes the sweeper.
      const int batch = handler->calls_out()
                            ? static_cast<int>(std::min<std::size_t>(kSweepBatch, calls_.free_slots()))
                            : kSweepBatch;
      if (batch == 0) break;
      auto ids = pop(queue, batch, settings_.default_unack_ms);
      for (const auto& id : ids) {
        if (handler->calls_out() && calls_.in_flight(id)) continue;
        try {
          if (auto running = ops_.run_system_task(*handler, id)) calls_.start(*handler, *running);
          ++processed;
        } catch (const std::exception& e) {
          // The message stays in flight and is delivered again; one bad task must not stop the sweep.
          log(LogLevel::kError, "a system task's run failed; it runs again after its unack timeout",
              {{"taskType", queue}, {"taskId", id}, {"error", e.what()}});
        }
      }
      more = static_cast<int>(ids.size()) == batch;
    }
  }
  for (bool more = due(kDeciderQueue); more;) {
    auto ids = pop(std::string(kDeciderQueue), kSweepBatch, settings_.workflow_offset_timeout_s * 1000);
    for (const auto& id : ids) {
      try {
        ops_.sweep(id);
        ++processed;
      } catch (const std::exception& e) {
        log(LogLevel::kError, "a sweep failed; the workflow is swept again after its unack timeout",
            {{"workflowId", id}, {"error", e.what()}});
      }
    }
    more = static_cast<int>(ids.size()) == kSweepBatch;
  }
  if (kafka_source_) {
    try {
      kafka_source_->pump();
    } catch (const std::exception& e) {
      log(LogLevel::kError, "reading the Kafka topics of event handlers failed; they are read again at the next round",
          {{"error", e.what()}});
    }
  }
  // Events the Kafka topics just gave are due at once, whatever the look found.
  if (due(ConductorEventQueue::kQueue) || kafka_source_) processed += event_processor_.process_due();
  processed += retention_.sweep();
  // Free text changed by this round's (and the callers') changes is indexed in one batch.
  run_in_writer(*this, [](Transaction& tx, AfterCommit&) { tx.index().flush_free_text(); });
  if (metrics_) {
    metrics_->sweeper_round(processed, std::chrono::milliseconds(lag_ms));
    sample_queues();
  }
  return processed;
}

void EngineCore::sample_queues() {
  const EpochMillis now = clock_->now_ms();
  if (last_queue_sample_ != 0 && now - last_queue_sample_ < kQueueSampleIntervalMs) return;
  last_queue_sample_ = now;
  std::vector<Metrics::QueueSample> samples;
  {
    auto tx = storage_->begin(TransactionMode::kRead);
    for (const auto& [queue, counts] : tx->queues().all_sizes()) {
      const auto next = tx->queues().next_visible_at(queue);
      const auto overdue = next ? now - *next : 0;
      samples.push_back({queue, counts.size + counts.unacked, std::chrono::milliseconds(std::max<std::int64_t>(0, overdue))});
    }
  }
  metrics_->queues_sampled(samples);
}

void EngineCore::wake_sweeper() {
  {
    std::lock_guard lock(sweeper_mutex_);
    wake_requested_ = true;
  }
  sweeper_wake_.notify_all();
}

void EngineCore::sweeper_loop(std::chrono::milliseconds interval) {
  std::unique_lock lock(sweeper_mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      run_due();
    } catch (const std::exception& e) {
      log(LogLevel::kError, "the sweeper's round failed; it tries again at its next round", {{"error", e.what()}});
    }
    lock.lock();
    if (retention_.more_due()) continue;
    sweeper_wake_.wait_for(lock, interval, [this] { return stopping_ || wake_requested_; });
    wake_requested_ = false;
  }
}

}  // namespace conductor::detail

namespace conductor {

Engine::Engine(EngineOptions options) : core_(std::make_unique<detail::EngineCore>(std::move(options))) {}
Engine::~Engine() = default;
MetadataService& Engine::metadata() { return core_->metadata(); }
WorkflowExecutor& Engine::executor() { return core_->executor(); }
TaskQueue& Engine::queue() { return core_->queue(); }
WorkerRunner& Engine::workers() { return core_->workers(); }
const Clock& Engine::clock() const { return core_->clock(); }
int Engine::run_due() { return core_->run_due(); }
PayloadStorage* Engine::payload_storage() { return core_->payload_storage(); }
const PayloadLimits& Engine::payload_limits() const { return core_->payload_limits(); }
const Limits& Engine::limits() const { return core_->limits(); }

std::map<std::string, std::string> Engine::environment_variables() const {
  return detail::EnvironmentLookup(core_->properties()).with_prefix(detail::kEnvVariablePrefix);
}

std::vector<std::string> Engine::secret_names() const {
  std::vector<std::string> names;
  for (auto& [name, value] : detail::EnvironmentLookup(core_->properties()).with_prefix(detail::kSecretPrefix))
    names.push_back(name);
  return names;
}

}  // namespace conductor
