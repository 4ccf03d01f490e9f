#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <conductor/engine.hpp>
#include <conductor/listener.hpp>

#include "bench.hpp"

namespace conductor::bench {

/// Admits at most `in_flight` workflows at a time, stops admitting at the workflow or time limit, and
/// records each workflow's latency from the start call to the moment completed() is called for it.
/// Thread-safe.
class Tracker {
 public:
  using Clock = std::chrono::steady_clock;

  Tracker(int in_flight, int max_workflows, double max_seconds)
      : in_flight_limit_(in_flight), max_workflows_(max_workflows), max_seconds_(max_seconds) {}

  /// Blocks for a free slot; false when no more workflows are to start.
  bool admit();
  /// Records the start of a workflow, which may already have completed.
  void started(const std::string& id, Clock::time_point at);
  void completed(const std::string& id);
  /// Waits until admission stopped and every started workflow completed; false on timeout.
  bool wait_done(std::chrono::seconds timeout);

  long started_count();
  long completed_count();
  /// From the first start to the last completion.
  double elapsed_seconds();
  /// From the first start to the end of admission.
  double admitting_seconds();
  LatencyHistogram latencies();

 private:
  static double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
  void stop_admitting();

  std::mutex mutex_;
  std::condition_variable slot_free_;
  std::condition_variable everything_done_;
  const int in_flight_limit_;
  const long max_workflows_;
  const double max_seconds_;
  int in_flight_ = 0;
  long started_ = 0;
  long completed_ = 0;
  bool stopped_ = false;
  Clock::time_point begin_;
  Clock::time_point stopped_at_;
  Clock::time_point end_;
  std::unordered_map<std::string, Clock::time_point> pending_;
  std::unordered_map<std::string, Clock::time_point> early_;
  LatencyHistogram latencies_;
};

/// Starts standard workflows from `threads` threads, each waiting for a slot before its next start,
/// until the tracker stops admitting; returns when every start returned.
void keep_in_flight(Engine& engine, Tracker& tracker, int threads);

/// Tells the tracker when a workflow completes.
class CompletionListener final : public StatusListener {
 public:
  explicit CompletionListener(Tracker& tracker) : tracker_(tracker) {}
  void on_workflow(WorkflowEvent event, const Workflow& workflow) override {
    if (event == WorkflowEvent::kCompleted) tracker_.completed(workflow.workflow_id);
  }

 private:
  Tracker& tracker_;
};

}  // namespace conductor::bench
