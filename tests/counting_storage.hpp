#pragma once

#include <conductor/storage/storage.hpp>

#include <atomic>
#include <memory>
#include <utility>

namespace conductor::testing {

/// A storage that counts the commits of its write transactions, what a state change costs, and the
/// read transactions it began.
class CountingStorage final : public Storage {
 public:
  explicit CountingStorage(std::unique_ptr<Storage> inner) : inner_(std::move(inner)) {}

  std::unique_ptr<Transaction> begin(TransactionMode mode) override {
    if (mode == TransactionMode::kRead) reads_.fetch_add(1, std::memory_order_relaxed);
    return std::make_unique<CountingTransaction>(inner_->begin(mode),
                                                 mode == TransactionMode::kWrite ? &commits_ : nullptr);
  }
  long commits() const { return commits_.load(); }
  long reads() const { return reads_.load(); }

 private:
  class CountingTransaction final : public Transaction {
   public:
    CountingTransaction(std::unique_ptr<Transaction> inner, std::atomic<long>* commits)
        : inner_(std::move(inner)), commits_(commits) {}
    MetadataStore& metadata() override { return inner_->metadata(); }
    ExecutionStore& execution() override { return inner_->execution(); }
    QueueStore& queues() override { return inner_->queues(); }
    IndexStore& index() override { return inner_->index(); }
    EventStore& events() override { return inner_->events(); }
    TakenTasks take_tasks(std::string_view queue, int count, std::int64_t now_ms) override {
      return inner_->take_tasks(queue, count, now_ms);
    }
    void commit() override {
      inner_->commit();
      if (commits_ != nullptr) commits_->fetch_add(1, std::memory_order_relaxed);
    }

   private:
    std::unique_ptr<Transaction> inner_;
    std::atomic<long>* commits_;
  };

  std::unique_ptr<Storage> inner_;
  std::atomic<long> commits_{0};
  std::atomic<long> reads_{0};
};

}  // namespace conductor::testing
