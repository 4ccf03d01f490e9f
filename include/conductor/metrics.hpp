#pragma once

#include <conductor/export.hpp>
#include <conductor/model/enums.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace conductor {

/// Receives the engine's counts and timings, the ones Conductor's own metrics carry: a host forwards
/// them to its monitoring (conductor-server turns them into Prometheus metrics for `GET /metrics`).
///
/// Every method has an empty default, so a host overrides only what it wants. Methods are called on
/// the engine's threads, several at once: they must be thread-safe, quick, must not throw and must
/// not call back into the engine. Workflow and task counts are reported after their change
/// committed; timings are measured on a steady clock. Without a Metrics (the default) the engine
/// takes no timings at all.
class CONDUCTOR_EXPORT Metrics {
 public:
  using Duration = std::chrono::nanoseconds;

  virtual ~Metrics() = default;

  /// A workflow of this definition started (sub-workflows and failure workflows included).
  virtual void workflow_started(std::string_view /*name*/) {}
  /// A workflow ended with `status` (COMPLETED, FAILED, TIMED_OUT or TERMINATED), `duration` after it
  /// was created, by the engine's clock.
  virtual void workflow_finished(std::string_view /*name*/, WorkflowStatus /*status*/, Duration /*duration*/) {}
  /// A task of this type (SIMPLE tasks: their definition name) reached a terminal status.
  virtual void task_finished(std::string_view /*task_type*/, TaskStatus /*status*/) {}
  /// One poll of a task queue handed out `count` tasks (maybe none); `latency` is the poll's own
  /// work, not the time a long poll waited.
  virtual void tasks_polled(std::string_view /*task_type*/, int /*count*/, Duration /*latency*/) {}
  /// A worker's result was stored (and its workflow decided) in `latency`.
  virtual void task_updated(std::string_view /*task_type*/, Duration /*latency*/) {}
  /// One decide of a workflow of this definition, with the system tasks it ran inline.
  virtual void workflow_decided(std::string_view /*name*/, Duration /*latency*/) {}
  /// A system task (INLINE, SWITCH, DO_WHILE, JSON_JQ_TRANSFORM, SUB_WORKFLOW, ...) ran one step;
  /// script tasks report their script's run time here.
  virtual void system_task_executed(std::string_view /*task_type*/, Duration /*duration*/) {}
  /// The storage committed a transaction holding `batch_size` of the engine's changes (SQLite
  /// commits several writers' changes together) in `latency`.
  virtual void storage_committed(int /*batch_size*/, Duration /*latency*/) {}
  /// A sweeper round processed `processed` items; `lag` is how long the most overdue of them had been
  /// due when the round began (zero when nothing was overdue).
  virtual void sweeper_round(int /*processed*/, Duration /*lag*/) {}
  /// One queue as the sweeper saw it.
  struct QueueSample {
    std::string queue;
    std::int64_t depth = 0;  ///< messages waiting, delayed or in flight
    Duration oldest_age{0};  ///< how long the earliest due message has been due; zero when none is
  };
  /// Every non-empty queue, sampled by the sweeper every few seconds (by the engine's clock); a queue
  /// missing from `queues` is empty.
  virtual void queues_sampled(const std::vector<QueueSample>& /*queues*/) {}
};

}  // namespace conductor
