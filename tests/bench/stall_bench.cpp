#include <conductor/conductor.hpp>

#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "bench.hpp"
#include "tracker.hpp"

namespace conductor::bench {
namespace {

constexpr std::string_view kSpinWorkflow = "bench_spin";

/// One INLINE task whose script busy-waits for `spin`: a slow script as a user might write one.
WorkflowDef spin_workflow(std::chrono::milliseconds spin) {
  WorkflowDef def;
  def.name = std::string(kSpinWorkflow);
  def.version = 1;
  WorkflowTask node;
  node.name = "spin";
  node.task_reference_name = "spin";
  node.type = "INLINE";
  node.input_parameters = {
      {"evaluatorType", "javascript"},
      {"expression", fmt::format("(function () {{ var end = Date.now() + {}; while (Date.now() < end) {{}} "
                                 "return true; }})()",
                                 spin.count())}};
  def.tasks.push_back(std::move(node));
  return def;
}

}  // namespace

Figures run_stall(const StallConfig& config) {
  const double spin_seconds = std::chrono::duration<double>(config.spin).count();
  // Admission stops before the spin does, so every standard workflow measured ran beside it.
  Tracker tracker(config.in_flight, 1'000'000, spin_seconds * 0.8);
  auto engine = std::make_unique<Engine>(EngineOptions{.storage = open_storage(config.storage, config.dir / "engine.db")});
  engine->metadata().register_task_defs({bench_task_def()});
  engine->metadata().register_workflow_def(three_step_workflow());
  engine->metadata().register_workflow_def(spin_workflow(config.spin));
  engine->executor().add_listener(std::make_shared<CompletionListener>(tracker));
  engine->workers().add({.task_type = std::string(kTaskType), .threads = config.in_flight, .batch_size = 1},
                        bench_task_output);
  engine->workers().start();

  std::atomic<bool> spinning{true};
  std::thread spinner([&] {
    try {
      engine->executor().start_workflow({.name = std::string(kSpinWorkflow)});
    } catch (const std::exception& e) {
      std::fprintf(stderr, "conductor-bench: the spinning workflow failed: %s\n", e.what());
      std::_Exit(2);
    }
    spinning = false;
  });
  keep_in_flight(*engine, tracker, config.in_flight);
  const bool overlapped = spinning.load();
  spinner.join();
  if (!tracker.wait_done(std::chrono::seconds(120))) throw std::runtime_error("workflows did not complete in time");
  engine->workers().stop();
  const long completed = tracker.completed_count();
  if (completed <= 0) throw std::runtime_error("no workflow completed beside the spinning script");
  const auto latencies = tracker.latencies();
  const std::string prefix = fmt::format("stall_{}", to_string(config.storage));
  return {
      {prefix + "_workflows", static_cast<double>(completed), "wf"},
      {prefix + "_p50_ms", latencies.percentile(0.50), "ms"},
      {prefix + "_p99_ms", latencies.percentile(0.99), "ms"},
      // 1 when the standard workflows stopped starting while the script still ran (the measurement
      // covers the spin), 0 when the spin ended first.
      {prefix + "_overlap", overlapped ? 1.0 : 0.0, "bool"},
  };
}

}  // namespace conductor::bench
