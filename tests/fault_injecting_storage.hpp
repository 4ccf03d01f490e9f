#pragma once

#include <conductor/error.hpp>
#include <conductor/storage/storage.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>
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
  /// The next `count` write commits of transactions that removed a message from `queue` throw
  /// UnavailableError and write nothing: a process that stops just before acknowledging.
  void fail_commits_removing_from(std::string queue, int count) {
    std::lock_guard lock(mutex_);
    failing_queue_ = std::move(queue);
    failing_removals_ = count;
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
        : owner_(owner), inner_(std::move(inner)), mode_(mode), queues_(*this) {}
    MetadataStore& metadata() override { return inner_->metadata(); }
    ExecutionStore& execution() override { return inner_->execution(); }
    QueueStore& queues() override { return queues_; }
    IndexStore& index() override { return inner_->index(); }
    EventStore& events() override { return inner_->events(); }
    void commit() override {
      if (mode_ == TransactionMode::kWrite && (owner_.take_failure() || owner_.take_removal_failure(removed_from_))) {
        inner_.reset();  // rolls back
        throw UnavailableError("injected: the commit failed");
      }
      inner_->commit();
    }

   private:
    // Forwards to the inner queues, noting the queues messages were removed from.
    class Queues final : public QueueStore {
     public:
      explicit Queues(FaultyTransaction& tx) : tx_(tx) {}
      QueueStore& inner() { return tx_.inner_->queues(); }
      void push(std::string_view q, std::string_view id, int priority, std::int64_t at) override {
        inner().push(q, id, priority, at);
      }
      bool push_if_absent(std::string_view q, std::string_view id, int priority, std::int64_t at) override {
        return inner().push_if_absent(q, id, priority, at);
      }
      std::vector<std::string> pop(std::string_view q, int count, std::int64_t now, std::int64_t unack) override {
        return inner().pop(q, count, now, unack);
      }
      bool remove(std::string_view q, std::string_view id) override {
        tx_.removed_from_.emplace_back(q);
        return inner().remove(q, id);
      }
      bool set_visible_at(std::string_view q, std::string_view id, std::int64_t at) override {
        return inner().set_visible_at(q, id, at);
      }
      bool set_visible_at_if_earlier(std::string_view q, std::string_view id, std::int64_t at) override {
        return inner().set_visible_at_if_earlier(q, id, at);
      }
      bool contains(std::string_view q, std::string_view id) override { return inner().contains(q, id); }
      std::int64_t size(std::string_view q) override { return inner().size(q); }
      std::map<std::string, QueueCounts> all_sizes() override { return inner().all_sizes(); }
      void flush(std::string_view q) override { inner().flush(q); }
      std::optional<std::int64_t> next_visible_at(std::string_view q) override { return inner().next_visible_at(q); }

     private:
      FaultyTransaction& tx_;
    };

    FaultInjectingStorage& owner_;
    std::unique_ptr<Transaction> inner_;
    TransactionMode mode_;
    Queues queues_;
    std::vector<std::string> removed_from_;
  };

  bool take_removal_failure(const std::vector<std::string>& removed_from) {
    std::lock_guard lock(mutex_);
    if (failing_removals_ <= 0 || std::find(removed_from.begin(), removed_from.end(), failing_queue_) == removed_from.end())
      return false;
    --failing_removals_;
    return true;
  }

  bool take_failure() {
    std::lock_guard lock(mutex_);
    if (failing_commits_ <= 0) return false;
    --failing_commits_;
    return true;
  }

  std::unique_ptr<Storage> inner_;
  std::mutex mutex_;
  int failing_commits_ = 0;
  std::string failing_queue_;
  int failing_removals_ = 0;
  int write_begins_ = 0;
  std::function<bool(TransactionMode)> when_;
  Hook hook_;
};

}  // namespace conductor::testing
