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
  if (!state) {
    state = std::make_unique<Queue>(name);
    if (queues_.size() == 1 && on_waiting_) on_waiting_(true);
  }
  return *state;
}

std::unordered_map<std::string, std::unique_ptr<QueueSignal::Queue>>::iterator QueueSignal::drop(
    std::unordered_map<std::string, std::unique_ptr<Queue>>::iterator queue) {
  auto next = queues_.erase(queue);
  if (queues_.empty() && on_waiting_) on_waiting_(false);
  return next;
}

bool QueueSignal::unused(const Queue& queue) {
  return queue.tickets == 0 && queue.callbacks.empty() && queue.reserved.empty() && queue.unannounced.empty();
}

void QueueSignal::release_if_unused(Queue& queue) {
  if (unused(queue)) drop(queues_.find(queue.name));
}

void QueueSignal::set_elsewhere(std::function<void(const std::string& queue)> elsewhere) {
  std::lock_guard lock(mutex_);
  elsewhere_ = std::move(elsewhere);
}

void QueueSignal::set_on_waiting(std::function<void(bool waiting)> on_waiting) {
  std::lock_guard lock(mutex_);
  on_waiting_ = std::move(on_waiting);
}

std::uint64_t QueueSignal::interrupts() const {
  std::lock_guard lock(mutex_);
  return interrupts_;
}

QueueSignal::Ticket QueueSignal::ticket(const std::string& name, std::optional<std::uint64_t> interrupts_seen) {
  std::lock_guard lock(mutex_);
  Queue& queue = acquire(name);
  ++queue.tickets;
  Ticket ticket;
  ticket.signal_ = this;
  ticket.queue_ = &queue;
  ticket.version_ = queue.version;
  ticket.interrupts_ = interrupts_seen.value_or(interrupts_);
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
  bool unannounced = false;
  {
    Callback withdrawn;  // destroyed after the lock is released: it may own objects with their own locks
    std::lock_guard lock(mutex_);
    const auto found = queues_.find(name);
    if (found != queues_.end()) {
      Queue& queue = *found->second;
      // It has fired (or never was): it may leave a wake-up nobody else was told of.
      unannounced = queue.unannounced.erase(id) > 0;
      for (auto* waiting : {&queue.callbacks, &queue.reserved}) {
        const auto callback = waiting->find(id);
        if (callback == waiting->end()) continue;
        withdrawn = std::move(callback->second);
        waiting->erase(callback);
        release_if_unused(queue);
        return true;
      }
      release_if_unused(queue);
    }
  }
  if (hand_over) pass_on(name, unannounced);
  return false;
}

bool QueueSignal::wake_one(const std::string& name, bool unannounced, std::vector<Callback>& fired) {
  const auto found = queues_.find(name);
  if (found == queues_.end()) return false;  // nobody waits: nothing to remember
  Queue& queue = *found->second;
  ++queue.version;
  // A parked poll is woken before a blocked thread: it holds no thread, and the blocked one still
  // sees the new version whenever it next looks.
  if (!queue.callbacks.empty()) {
    auto oldest = queue.callbacks.begin();
    if (unannounced) queue.unannounced.insert(oldest->first);
    fired.push_back(std::move(oldest->second));
    queue.callbacks.erase(oldest);
    release_if_unused(queue);
    return true;
  }
  queue.changed.notify_one();
  return queue.tickets > 0;
}

void QueueSignal::notify(const std::vector<std::string>& queues) {
  std::vector<Callback> fired;
  {
    std::lock_guard lock(mutex_);
    for (const auto& name : queues) wake_one(name, false, fired);
  }
  for (auto& callback : fired) callback(Wake::kPushed);
}

void QueueSignal::pass_on(const std::string& name, bool unannounced) {
  std::vector<Callback> fired;
  std::function<void(const std::string&)> elsewhere;
  {
    std::lock_guard lock(mutex_);
    if (!wake_one(name, unannounced, fired) && unannounced) elsewhere = elsewhere_;
  }
  for (auto& callback : fired) callback(Wake::kPushed);
  if (elsewhere) elsewhere(name);
}

std::optional<std::uint64_t> QueueSignal::reserve(const std::string& name) {
  std::lock_guard lock(mutex_);
  const auto found = queues_.find(name);
  if (found == queues_.end() || found->second->callbacks.empty()) return std::nullopt;
  Queue& queue = *found->second;
  auto oldest = queue.callbacks.extract(queue.callbacks.begin());
  const std::uint64_t id = oldest.key();
  queue.reserved.insert(std::move(oldest));
  return id;
}

void QueueSignal::deliver(const std::string& name, std::uint64_t id) {
  Callback callback;
  {
    std::lock_guard lock(mutex_);
    const auto found = queues_.find(name);
    if (found != queues_.end()) {
      Queue& queue = *found->second;
      if (auto reserved = queue.reserved.find(id); reserved != queue.reserved.end()) {
        callback = std::move(reserved->second);
        queue.reserved.erase(reserved);
        queue.unannounced.insert(id);
        ++queue.version;
      }
    }
  }
  if (callback) {
    callback(Wake::kPushed);
  } else {
    pass_on(name, true);  // its waiter left before the commit
  }
}

void QueueSignal::restore(const std::string& name, std::uint64_t id) {
  std::lock_guard lock(mutex_);
  const auto found = queues_.find(name);
  if (found == queues_.end()) return;
  Queue& queue = *found->second;
  if (auto reserved = queue.reserved.find(id); reserved != queue.reserved.end()) {
    queue.callbacks.insert(queue.reserved.extract(reserved));
  }
}

void QueueSignal::wake_all() {
  std::vector<Callback> fired;
  {
    std::lock_guard lock(mutex_);
    for (auto it = queues_.begin(); it != queues_.end();) {
      Queue& queue = *it->second;
      ++queue.version;
      queue.changed.notify_all();
      for (auto& [id, callback] : queue.callbacks) fired.push_back(std::move(callback));
      queue.callbacks.clear();
      it = unused(queue) ? drop(it) : std::next(it);
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
      for (auto* waiting : {&queue.callbacks, &queue.reserved}) {
        for (auto& [id, callback] : *waiting) fired.push_back(std::move(callback));
        waiting->clear();
      }
      queue.changed.notify_all();
      it = queue.tickets == 0 ? drop(it) : std::next(it);
    }
  }
  for (auto& callback : fired) callback(Wake::kInterrupted);
}

std::size_t QueueSignal::size() const {
  std::lock_guard lock(mutex_);
  return queues_.size();
}

}  // namespace conductor::detail
