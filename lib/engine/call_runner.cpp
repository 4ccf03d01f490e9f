#include "engine/call_runner.hpp"

#include "engine/engine_core.hpp"
#include "net/http_client.hpp"
#include "tasks/task_handler.hpp"

#include <algorithm>

namespace conductor::detail {

CallRunner::CallRunner(EngineCore& core, std::size_t max_in_flight)
    : core_(core), max_in_flight_(std::max<std::size_t>(1, max_in_flight)) {}

CallRunner::~CallRunner() {
  std::unique_lock lock(mutex_);
  auto client = std::move(client_);
  lock.unlock();
  client.reset();  // no callback runs after this
  lock.lock();
  stopping_ = true;
  lock.unlock();
  results_ready_.notify_all();
  if (reporter_.joinable()) reporter_.join();
}

std::size_t CallRunner::free_slots() const {
  std::lock_guard lock(mutex_);
  return max_in_flight_ - std::min(max_in_flight_, in_flight_.size());
}

bool CallRunner::in_flight(std::string_view task_id) const {
  std::lock_guard lock(mutex_);
  return in_flight_.contains(std::string(task_id));
}

void CallRunner::start(const TaskHandler& handler, const Task& task) {
  HttpClient* client = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (!in_flight_.insert(task.task_id).second) return;
    if (!client_) {
      client_ = std::make_unique<HttpClient>();
      reporter_ = std::thread([this] { reporter_loop(); });
    }
    client = client_.get();
  }
  try {
    handler.call(task, *client, [this](TaskResult result) { report(std::move(result)); });
  } catch (...) {
    std::lock_guard lock(mutex_);
    in_flight_.erase(task.task_id);
    throw;
  }
}

void CallRunner::report(TaskResult result) {
  {
    std::lock_guard lock(mutex_);
    results_.push_back(std::move(result));
  }
  results_ready_.notify_one();
}

void CallRunner::reporter_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    results_ready_.wait(lock, [this] { return stopping_ || !results_.empty(); });
    if (results_.empty()) return;  // stopping, with every result stored
    TaskResult result = std::move(results_.front());
    results_.pop_front();
    lock.unlock();
    try {
      core_.queue().update_task(result);
    } catch (const std::exception& e) {
      // The task's message stays, so the call is made again once it comes back.
      core_.log(LogLevel::kError, "the result of a system task's call could not be stored; the call is made again",
                {{"taskId", result.task_id}, {"workflowId", result.workflow_instance_id}, {"error", e.what()}});
    }
    lock.lock();
    in_flight_.erase(result.task_id);
    // A slot is free: the sweeper may start the next call now rather than at its next tick.
    lock.unlock();
    core_.wake_sweeper();
    lock.lock();
  }
}

}  // namespace conductor::detail
