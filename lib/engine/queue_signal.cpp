#include "engine/queue_signal.hpp"

#include <utility>

namespace conductor::detail {

QueueSignal::Ticket& QueueSignal::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    release();
    signal_ = std::exchange(other.signal_, nullptr);
    queue_ = std::exchange(other.queue_, nullptr);
    version_ = other.version_;
    interrupts_ = other.interrupts_;
  }
  return *this;
}

void QueueSignal::Ticket::release() noexcept {
  if (signal_ == nullptr) return;
  std::lock_guard lock(signal_->mutex_);
  --queue_->tickets;
  signal_->release_if_unused(*queue_);
  signal_ = nullptr;
  queue_ = nullptr;
}

QueueSignal::Queue& QueueSignal::acquire(const std::string& name) {
  auto& state = queues_[name];
  if (!state) state = std::make_unique<Queue>(name);
  return *state;
}

void QueueSignal::release_if_unused(Queue& queue) {
  if (queue.tickets == 0 && queue.callbacks.empty()) queues_.erase(queue.name);
}

QueueSignal::Ticket QueueSignal::ticket(const std::string& name) {
  std::lock_guard lock(mutex_);
  Queue& queue = acquire(name);
  ++queue.tickets;
  Ticket ticket;
  ticket.signal_ = this;
  ticket.queue_ = &queue;
  ticket.version_ = queue.version;
  ticket.interrupts_ = interrupts_;
  return ticket;
}

bool QueueSignal::wait(const Ticket& seen, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  Queue& queue = *seen.queue_;
  queue.changed.wait_until(lock, deadline,
                           [&] { return queue.version != seen.version_ || interrupts_ != seen.interrupts_; });
  return interrupts_ == seen.interrupts_;
}

std::uint64_t QueueSignal::add_waiter(const std::string& name, Callback callback) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_id_++;
  acquire(name).callbacks.emplace(id, std::move(callback));
  return id;
}

bool QueueSignal::cancel(const std::string& name, std::uint64_t id, bool hand_over) {
  {
    Callback withdrawn;  // destroyed after the lock is released: it may own objects with their own locks
    std::lock_guard lock(mutex_);
    const auto found = queues_.find(name);
    if (found != queues_.end()) {
      Queue& queue = *found->second;
      const auto callback = queue.callbacks.find(id);
      if (callback != queue.callbacks.end()) {
        withdrawn = std::move(callback->second);
        queue.callbacks.erase(callback);
        release_if_unused(queue);
        return true;
      }
    }
  }
  if (hand_over) notify({name});
  return false;
}

void QueueSignal::notify(const std::vector<std::string>& queues) {
  std::vector<Callback> fired;
  {
    std::lock_guard lock(mutex_);
    for (const auto& name : queues) {
      const auto found = queues_.find(name);
      if (found == queues_.end()) continue;  // nobody waits: nothing to remember
      Queue& queue = *found->second;
      ++queue.version;
      // A parked poll is woken before a blocked thread: it holds no thread, and the blocked one
      // still sees the new version whenever it next looks.
      if (!queue.callbacks.empty()) {
        fired.push_back(std::move(queue.callbacks.begin()->second));
        queue.callbacks.erase(queue.callbacks.begin());
        if (queue.tickets == 0 && queue.callbacks.empty()) {
          queues_.erase(found);
        }
        continue;
      }
      queue.changed.notify_one();
    }
  }
  for (auto& callback : fired) callback(Wake::kPushed);
}

void QueueSignal::interrupt() {
  std::vector<Callback> fired;
  {
    std::lock_guard lock(mutex_);
    ++interrupts_;
    for (auto it = queues_.begin(); it != queues_.end();) {
      Queue& queue = *it->second;
      for (auto& [id, callback] : queue.callbacks) fired.push_back(std::move(callback));
      queue.callbacks.clear();
      queue.changed.notify_all();
      it = queue.tickets == 0 ? queues_.erase(it) : std::next(it);
    }
  }
  for (auto& callback : fired) callback(Wake::kInterrupted);
}

std::size_t QueueSignal::size() const {
  std::lock_guard lock(mutex_);
  return queues_.size();
}

}  // namespace conductor::detail
