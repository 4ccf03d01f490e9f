#pragma once

#include <conductor/error.hpp>
#include <conductor/storage/storage.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <utility>

namespace conductor::testing {

/// A storage that misbehaves on request: write commits that fail (nothing of them is written), and
/// hooks that run when a transaction begins, to put another writer or a wait at an exact point.
class FaultInjectingStorage final : public Storage {
 public:
  using Hook = std::function<void(TransactionMode)>;

  explicit FaultInjectingStorage(std::unique_ptr<Storage> inner) : inner_(std::move(inner)) {}

  /// The next `count` write commits throw UnavailableError and write nothing.
  void fail_commits(int count) {
    std::lock_guard lock(mutex_);
    failing_commits_ = count;
  }
  /// Runs `hook` once, on the thread that begins the next transaction for which `when` is true,
  /// before it begins.
  void once(std::function<bool(TransactionMode)> when, Hook hook) {
    std::lock_guard lock(mutex_);
    when_ = std::move(when);
    hook_ = std::move(hook);
  }
  int write_begins() {
    std::lock_guard lock(mutex_);
    return write_begins_;
  }

  std::unique_ptr<Transaction> begin(TransactionMode mode) override {
    Hook hook;
    {
      std::lock_guard lock(mutex_);
      if (mode == TransactionMode::kWrite) ++write_begins_;
      if (hook_ && when_(mode)) hook = std::exchange(hook_, nullptr);
    }
    if (hook) hook(mode);
    return std::make_unique<FaultyTransaction>(*this, inner_->begin(mode), mode);
  }

 private:
  class FaultyTransaction final : public Transaction {
   public:
    FaultyTransaction(FaultInjectingStorage& owner, std::unique_ptr<Transaction> inner, TransactionMode mode)
        : owner_(owner), inner_(std::move(inner)), mode_(mode) {}
    MetadataStore& metadata() override { return inner_->metadata(); }
    ExecutionStore& execution() override { return inner_->execution(); }
    QueueStore& queues() override { return inner_->queues(); }
    IndexStore& index() override { return inner_->index(); }
    void commit() override {
      if (mode_ == TransactionMode::kWrite && owner_.take_failure()) {
        inner_.reset();  // rolls back
        throw UnavailableError("injected: the commit failed");
      }
      inner_->commit();
    }

   private:
    FaultInjectingStorage& owner_;
    std::unique_ptr<Transaction> inner_;
    TransactionMode mode_;
  };

  bool take_failure() {
    std::lock_guard lock(mutex_);
    if (failing_commits_ <= 0) return false;
    --failing_commits_;
    return true;
  }

  std::unique_ptr<Storage> inner_;
  std::mutex mutex_;
  int failing_commits_ = 0;
  int write_begins_ = 0;
  std::function<bool(TransactionMode)> when_;
  Hook hook_;
};

}  // namespace conductor::testing
