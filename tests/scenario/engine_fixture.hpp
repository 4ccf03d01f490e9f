#pragma once

#include <conductor/codec.hpp>
#include <conductor/engine.hpp>
#include <conductor/storage/sqlite.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

// An engine on a fresh in-memory database with a clock the test moves; no background threads, so
// `run_due()` is the only sweeper.
struct EngineFixture {
  conductor::ManualClock* clock = nullptr;
  conductor::Engine engine;

  explicit EngineFixture(std::unique_ptr<conductor::Storage> storage = nullptr) : engine(make_options(std::move(storage), clock)) {}
  /// With `configure` changing the options first (payload storage, properties).
  explicit EngineFixture(const std::function<void(conductor::EngineOptions&)>& configure)
      : engine(make_options(nullptr, clock, configure)) {}

  static conductor::EngineOptions make_options(std::unique_ptr<conductor::Storage> storage, conductor::ManualClock*& clock,
                                               const std::function<void(conductor::EngineOptions&)>& configure = {}) {
    auto manual = std::make_unique<conductor::ManualClock>();
    clock = manual.get();
    conductor::EngineOptions options;
    options.storage = storage ? std::move(storage) : conductor::open_sqlite({});
    options.clock = std::move(manual);
    options.background = false;
    if (configure) configure(options);
    return options;
  }

  void task_def(const std::string& json) {
    engine.metadata().register_task_defs({conductor::decode<conductor::TaskDef>(json)});
  }
  void workflow_def(const std::string& json) {
    engine.metadata().register_workflow_def(conductor::decode<conductor::WorkflowDef>(json));
  }
  std::string start(const std::string& name, conductor::JsonObject input = {}) {
    conductor::StartWorkflowRequest request;
    request.name = name;
    request.input = std::move(input);
    return engine.executor().start_workflow(request);
  }
  conductor::Workflow workflow(const std::string& id) { return engine.executor().get_workflow(id); }

  // Polls one task of the type without waiting; fails the test when there is none.
  conductor::Task poll(const std::string& type, std::optional<std::string> domain = {}) {
    auto tasks = engine.queue().batch_poll(type, "test-worker", domain, 1, std::chrono::milliseconds(0));
    REQUIRE(tasks.size() == 1);
    return tasks.front();
  }
  bool nothing_to_poll(const std::string& type, std::optional<std::string> domain = {}) {
    return engine.queue().batch_poll(type, "test-worker", domain, 1, std::chrono::milliseconds(0)).empty();
  }
  conductor::Task complete(const conductor::Task& task, conductor::JsonObject output = {}) {
    return report(task, conductor::TaskResultStatus::kCompleted, std::move(output));
  }
  conductor::Task report(const conductor::Task& task, conductor::TaskResultStatus status,
                         conductor::JsonObject output = {}, std::string reason = {}) {
    conductor::TaskResult r;
    r.workflow_instance_id = task.workflow_instance_id;
    r.task_id = task.task_id;
    r.status = status;
    r.output_data = std::move(output);
    if (!reason.empty()) r.reason_for_incompletion = reason;
    return engine.queue().update_task(r);
  }
  // Advances the clock and lets the sweeper act on what became due.
  void advance(int seconds) {
    clock->advance_seconds(seconds);
    engine.run_due();
  }
  static std::vector<std::string> statuses(const conductor::Workflow& wf) {
    std::vector<std::string> out;
    for (const auto& t : wf.tasks) out.push_back(t.reference_task_name + ":" + std::string(to_string(t.status)));
    return out;
  }
};
