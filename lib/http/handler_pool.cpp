#include "http/handler_pool.hpp"

#include <utility>

namespace conductor::http::detail {

HandlerPool::HandlerPool(std::size_t threads) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < threads; ++i) {
    auto& worker = *workers_.emplace_back(std::make_unique<Worker>());
    worker.thread = std::thread([this, &worker] { run(worker); });
  }
}

HandlerPool::~HandlerPool() { join(); }

void HandlerPool::post(Task task) {
  std::unique_lock lock(mutex_);
  if (idle_.empty()) {
    queued_.push_back(std::move(task));
    return;
  }
  Worker* worker = idle_.back();
  idle_.pop_back();
  worker->task = std::move(task);
  lock.unlock();
  worker->wake.notify_one();
}

void HandlerPool::join() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    joining_ = true;
    for (Worker* worker : idle_) worker->wake.notify_one();
    for (auto& worker : workers_) {
      if (worker->thread.joinable()) threads.push_back(std::move(worker->thread));
    }
  }
  for (auto& thread : threads) thread.join();
}

std::size_t HandlerPool::idle_threads() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

void HandlerPool::run(Worker& self) {
  std::unique_lock lock(mutex_);
  for (;;) {
    Task task;
    if (!queued_.empty()) {
      task = std::move(queued_.front());
      queued_.pop_front();
    } else {
      // A worker still running may post more, and takes it itself when every other one has ended.
      if (joining_) return;
      idle_.push_back(&self);
      self.wake.wait(lock, [&] { return self.task != nullptr || joining_; });
      if (!self.task) {
        std::erase(idle_, &self);
        return;
      }
      task = std::move(self.task);
      self.task = nullptr;
    }
    lock.unlock();
    task();
    task = nullptr;  // its captures go before the lock is taken again
    lock.lock();
  }
}

}  // namespace conductor::http::detail
