#include "engine/queue_signal.hpp"

namespace conductor::detail {

QueueSignal::Queue& QueueSignal::queue(const std::string& name) {
  auto& state = queues_[name];
  if (!state) state = std::make_unique<Queue>();
  return *state;
}

QueueSignal::Ticket QueueSignal::ticket(const std::string& name) {
  std::lock_guard lock(mutex_);
  return {queue(name).version, interrupts_};
}

void QueueSignal::notify(const std::vector<std::string>& queues) {
  std::vector<Queue*> woken;
  woken.reserve(queues.size());
  {
    std::lock_guard lock(mutex_);
    for (const auto& name : queues) {
      Queue& state = queue(name);
      ++state.version;
      woken.push_back(&state);
    }
  }
  for (Queue* state : woken) state->changed.notify_one();
}

bool QueueSignal::wait(const std::string& name, const Ticket& seen, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  Queue& state = queue(name);
  state.changed.wait_until(lock, deadline,
                           [&] { return state.version != seen.version || interrupts_ != seen.interrupts; });
  return interrupts_ == seen.interrupts;
}

void QueueSignal::interrupt() {
  std::lock_guard lock(mutex_);
  ++interrupts_;
  for (auto& [name, state] : queues_) state->changed.notify_all();
}

}  // namespace conductor::detail
