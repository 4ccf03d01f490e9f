#include <conductor/prometheus_metrics.hpp>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <set>
#include <type_traits>
#include <mutex>
#include <utility>
#include <vector>

namespace conductor {
namespace {

using Buckets = prometheus::Histogram::BucketBoundaries;

// From a tenth of a millisecond (a poll, a commit) to ten seconds (a script at its limit).
const Buckets kLatencyBuckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                              0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5, 5, 10};
// Workflows run from milliseconds to days.
const Buckets kWorkflowBuckets{0.01, 0.1, 1, 10, 60, 300, 1800, 3600, 21600, 86400, 604800};
const Buckets kBatchBuckets{1, 2, 4, 8, 16, 32, 64, 128, 256};

double seconds(Metrics::Duration d) { return std::chrono::duration<double>(d).count(); }

/// One family's series by label values. prometheus-cpp's Family::Add builds a metric before looking
/// its labels up, so the series are found here and created there only once.
template <class T>
class Series {
 public:
  Series(prometheus::Family<T>& family, std::vector<std::string> label_names, Buckets buckets = {})
      : family_(family), names_(std::move(label_names)), buckets_(std::move(buckets)) {}

  T& at(const std::vector<std::string>& values) {
    std::lock_guard lock(mutex_);
    auto found = series_.find(values);
    if (found != series_.end()) return *found->second;
    prometheus::Labels labels;
    for (std::size_t i = 0; i < names_.size(); ++i) labels.emplace(names_[i], values[i]);
    T* created;
    if constexpr (std::is_same_v<T, prometheus::Histogram>) {
      created = &family_.Add(labels, buckets_);
    } else {
      created = &family_.Add(labels);
    }
    series_.emplace(values, created);
    return *created;
  }

  /// Removes every series whose values are not in `keep`.
  void retain(const std::set<std::vector<std::string>>& keep) {
    std::lock_guard lock(mutex_);
    for (auto it = series_.begin(); it != series_.end();) {
      if (keep.contains(it->first)) {
        ++it;
      } else {
        family_.Remove(it->second);
        it = series_.erase(it);
      }
    }
  }

 private:
  prometheus::Family<T>& family_;
  std::vector<std::string> names_;
  Buckets buckets_;
  std::mutex mutex_;
  std::map<std::vector<std::string>, T*> series_;
};

template <class Builder>
auto& family(Builder builder, prometheus::Registry& registry, const char* name, const char* help) {
  return builder.Name(name).Help(help).Register(registry);
}

}  // namespace

struct PrometheusMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Registry& r = *registry;

  Series<prometheus::Counter> workflows_started{
      family(prometheus::BuildCounter(), r, "conductor_workflow_started_total", "Workflows started, by definition name"),
      {"workflowName"}};
  Series<prometheus::Counter> workflows_finished{
      family(prometheus::BuildCounter(), r, "conductor_workflow_finished_total",
             "Workflows ended, by definition name and final status"),
      {"workflowName", "status"}};
  Series<prometheus::Histogram> workflow_duration{
      family(prometheus::BuildHistogram(), r, "conductor_workflow_duration_seconds",
             "Time from a workflow's creation to its end, by definition name"),
      {"workflowName"},
      kWorkflowBuckets};
  Series<prometheus::Counter> tasks_finished{
      family(prometheus::BuildCounter(), r, "conductor_task_finished_total",
             "Tasks that reached a terminal status, by task type and status"),
      {"taskType", "status"}};
  Series<prometheus::Counter> polls{
      family(prometheus::BuildCounter(), r, "conductor_task_poll_total", "Polls of a task queue, by task type"),
      {"taskType"}};
  Series<prometheus::Counter> polled{
      family(prometheus::BuildCounter(), r, "conductor_task_polled_total", "Tasks handed out by polls, by task type"),
      {"taskType"}};
  Series<prometheus::Histogram> poll_latency{
      family(prometheus::BuildHistogram(), r, "conductor_task_poll_seconds",
             "Work of one poll, not counting a long poll's wait, by task type"),
      {"taskType"},
      kLatencyBuckets};
  Series<prometheus::Histogram> update_latency{
      family(prometheus::BuildHistogram(), r, "conductor_task_update_seconds",
             "Storing a worker's result and deciding its workflow, by task type"),
      {"taskType"},
      kLatencyBuckets};
  Series<prometheus::Histogram> decide_latency{
      family(prometheus::BuildHistogram(), r, "conductor_workflow_decide_seconds",
             "One decide of a workflow, with the system tasks it ran inline, by definition name"),
      {"workflowName"},
      kLatencyBuckets};
  Series<prometheus::Histogram> system_task_duration{
      family(prometheus::BuildHistogram(), r, "conductor_system_task_seconds",
             "One step of a system task (scripts included), by task type"),
      {"taskType"},
      kLatencyBuckets};
  Series<prometheus::Histogram> commit_latency{
      family(prometheus::BuildHistogram(), r, "conductor_storage_commit_seconds", "One storage commit"), {},
      kLatencyBuckets};
  Series<prometheus::Histogram> commit_batch{
      family(prometheus::BuildHistogram(), r, "conductor_storage_commit_batch_size",
             "Engine changes written by one storage commit"),
      {},
      kBatchBuckets};
  Series<prometheus::Counter> sweeper_rounds{
      family(prometheus::BuildCounter(), r, "conductor_sweeper_rounds_total", "Rounds of the sweeper"), {}};
  Series<prometheus::Counter> sweeper_processed{
      family(prometheus::BuildCounter(), r, "conductor_sweeper_processed_total",
             "Workflows and system tasks the sweeper processed"),
      {}};
  Series<prometheus::Gauge> sweeper_lag{
      family(prometheus::BuildGauge(), r, "conductor_sweeper_lag_seconds",
             "How long the most overdue item had been due when the last sweeper round began"),
      {}};
  Series<prometheus::Gauge> queue_depth{
      family(prometheus::BuildGauge(), r, "conductor_queue_depth",
             "Messages in a queue (waiting, delayed or in flight), sampled every few seconds"),
      {"queueName"}};
  Series<prometheus::Gauge> queue_age{
      family(prometheus::BuildGauge(), r, "conductor_queue_oldest_age_seconds",
             "How long a queue's earliest due message has been due, sampled every few seconds"),
      {"queueName"}};
};

PrometheusMetrics::PrometheusMetrics() : impl_(std::make_unique<Impl>()) {}
PrometheusMetrics::~PrometheusMetrics() = default;

std::string PrometheusMetrics::text() const {
  return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

void PrometheusMetrics::workflow_started(std::string_view name) {
  impl_->workflows_started.at({std::string(name)}).Increment();
}

void PrometheusMetrics::workflow_finished(std::string_view name, WorkflowStatus status, Duration duration) {
  impl_->workflows_finished.at({std::string(name), std::string(to_string(status))}).Increment();
  impl_->workflow_duration.at({std::string(name)}).Observe(seconds(duration));
}

void PrometheusMetrics::task_finished(std::string_view task_type, TaskStatus status) {
  impl_->tasks_finished.at({std::string(task_type), std::string(to_string(status))}).Increment();
}

void PrometheusMetrics::tasks_polled(std::string_view task_type, int count, Duration latency) {
  const std::vector<std::string> labels{std::string(task_type)};
  impl_->polls.at(labels).Increment();
  impl_->polled.at(labels).Increment(count);
  impl_->poll_latency.at(labels).Observe(seconds(latency));
}

void PrometheusMetrics::task_updated(std::string_view task_type, Duration latency) {
  impl_->update_latency.at({std::string(task_type)}).Observe(seconds(latency));
}

void PrometheusMetrics::workflow_decided(std::string_view name, Duration latency) {
  impl_->decide_latency.at({std::string(name)}).Observe(seconds(latency));
}

void PrometheusMetrics::system_task_executed(std::string_view task_type, Duration duration) {
  impl_->system_task_duration.at({std::string(task_type)}).Observe(seconds(duration));
}

void PrometheusMetrics::storage_committed(int batch_size, Duration latency) {
  impl_->commit_latency.at({}).Observe(seconds(latency));
  impl_->commit_batch.at({}).Observe(batch_size);
}

void PrometheusMetrics::sweeper_round(int processed, Duration lag) {
  impl_->sweeper_rounds.at({}).Increment();
  impl_->sweeper_processed.at({}).Increment(processed);
  impl_->sweeper_lag.at({}).Set(seconds(lag));
}

void PrometheusMetrics::queues_sampled(const std::vector<QueueSample>& queues) {
  std::set<std::vector<std::string>> sampled;
  for (const auto& q : queues) {
    const std::vector<std::string> labels{q.queue};
    impl_->queue_depth.at(labels).Set(static_cast<double>(q.depth));
    impl_->queue_age.at(labels).Set(seconds(q.oldest_age));
    sampled.insert(labels);
  }
  // A queue that emptied drops out rather than keep its last depth.
  impl_->queue_depth.retain(sampled);
  impl_->queue_age.retain(sampled);
}

}  // namespace conductor
