#pragma once

#include <conductor/export.hpp>
#include <conductor/metrics.hpp>

#include <memory>
#include <string>

namespace conductor {

/// The engine's metrics kept as Prometheus metrics (prometheus-cpp's core library) and rendered in
/// Prometheus' text exposition format; built with CONDUCTOR_WITH_PROMETHEUS (target
/// conductor::prometheus). Hand one to EngineOptions::metrics (and SqliteOptions::metrics) and
/// serve text() to the scraper, as conductor-server does at `GET /metrics`:
///
///     auto metrics = std::make_shared<conductor::PrometheusMetrics>();
///     conductor::Engine engine({.storage = conductor::open_sqlite({.path = "app.db", .metrics = metrics}),
///                               .metrics = metrics});
///     std::string page = metrics->text();
///
/// docs/operations.md lists every metric. Thread-safe.
class CONDUCTOR_EXPORT PrometheusMetrics final : public Metrics {
 public:
  PrometheusMetrics();
  ~PrometheusMetrics() override;
  PrometheusMetrics(const PrometheusMetrics&) = delete;
  PrometheusMetrics& operator=(const PrometheusMetrics&) = delete;

  /// Every metric, in Prometheus' text format (version 0.0.4).
  std::string text() const;

  void workflow_started(std::string_view name) override;
  void workflow_finished(std::string_view name, WorkflowStatus status, Duration duration) override;
  void task_finished(std::string_view task_type, TaskStatus status) override;
  void tasks_polled(std::string_view task_type, int count, Duration latency) override;
  void task_updated(std::string_view task_type, Duration latency) override;
  void workflow_decided(std::string_view name, Duration latency) override;
  void system_task_executed(std::string_view task_type, Duration duration) override;
  void storage_committed(int batch_size, Duration latency) override;
  void sweeper_round(int processed, Duration lag) override;
  void queues_sampled(const std::vector<QueueSample>& queues) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace conductor
