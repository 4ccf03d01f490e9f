#include "tracker.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <thread>
#include <vector>

namespace conductor::bench {

bool Tracker::admit() {
  std::unique_lock lock(mutex_);
  slot_free_.wait(lock, [&] { return in_flight_ < in_flight_limit_ || stopped_; });
  if (started_ == 0) begin_ = Clock::now();
  bool out_of_time = max_seconds_ > 0 && std::chrono::duration<double>(Clock::now() - begin_).count() >= max_seconds_;
  if (stopped_ || started_ >= max_workflows_ || out_of_time) {
    stop_admitting();
    return false;
  }
  ++in_flight_;
  ++started_;
  return true;
}

void Tracker::stop_admitting() {
  if (!stopped_) stopped_at_ = Clock::now();
  stopped_ = true;
  slot_free_.notify_all();
  everything_done_.notify_all();
}

void Tracker::started(const std::string& id, Clock::time_point at) {
  std::lock_guard lock(mutex_);
  if (auto it = early_.find(id); it != early_.end()) {
    latencies_.add(ms(it->second - at));
    early_.erase(it);
  } else {
    pending_.emplace(id, at);
  }
}

void Tracker::completed(const std::string& id) {
  auto at = Clock::now();
  std::lock_guard lock(mutex_);
  if (auto it = pending_.find(id); it != pending_.end()) {
    latencies_.add(ms(at - it->second));
    pending_.erase(it);
  } else {
    early_.emplace(id, at);
  }
  --in_flight_;
  ++completed_;
  end_ = at;
  slot_free_.notify_one();
  if (stopped_ && completed_ == started_) everything_done_.notify_all();
}

bool Tracker::wait_done(std::chrono::seconds timeout) {
  std::unique_lock lock(mutex_);
  return everything_done_.wait_for(lock, timeout, [&] { return stopped_ && completed_ == started_; });
}

long Tracker::started_count() {
  std::lock_guard lock(mutex_);
  return started_;
}

long Tracker::completed_count() {
  std::lock_guard lock(mutex_);
  return completed_;
}

double Tracker::elapsed_seconds() {
  std::lock_guard lock(mutex_);
  return std::chrono::duration<double>(end_ - begin_).count();
}

double Tracker::admitting_seconds() {
  std::lock_guard lock(mutex_);
  return std::chrono::duration<double>(stopped_at_ - begin_).count();
}

LatencyHistogram Tracker::latencies() {
  std::lock_guard lock(mutex_);
  return latencies_;
}

void keep_in_flight(Engine& engine, Tracker& tracker, int threads) {
  std::vector<std::thread> starters;
  for (int i = 0; i < threads; ++i) {
    starters.emplace_back([&] {
      StartWorkflowRequest request;
      request.name = std::string(kWorkflowName);
      long order = 0;
      while (tracker.admit()) {
        request.input = JsonObject{{"order", ++order}};
        auto at = Tracker::Clock::now();
        try {
          tracker.started(engine.executor().start_workflow(request), at);
        } catch (const std::exception& e) {
          // A figure over a run with failures would mislead: the run ends and main reports it failed.
          std::fprintf(stderr, "conductor-bench: start failed: %s\n", e.what());
          std::_Exit(2);
        }
      }
    });
  }
  for (auto& t : starters) t.join();
}

}  // namespace conductor::bench
