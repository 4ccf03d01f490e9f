#pragma once

#include <conductor/storage/storage.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <utility>

namespace conductor::testing {

/// A storage that counts the commits of its write transactions, what a state change costs, the read
/// transactions it began, the summaries it was given to index, the writes to its queues and its pops.
class CountingStorage final : public Storage {
 public:
  /// `summarizes`, when set, is what its index stores answer to summarizes_stored_rows instead of
  /// the inner storage's.
  explicit CountingStorage(std::unique_ptr<Storage> inner, std::optional<bool> summarizes = std::nullopt)
      : inner_(std::move(inner)), summarizes_(summarizes) {}

  std::unique_ptr<Transaction> begin(TransactionMode mode) override {
    if (mode == TransactionMode::kRead) reads_.fetch_add(1, std::memory_order_relaxed);
    return std::make_unique<CountingTransaction>(inner_->begin(mode),
                                                 mode == TransactionMode::kWrite ? &commits_ : nullptr, *this);
  }
  long commits() const { return commits_.load(); }
  long reads() const { return reads_.load(); }
  long summaries() const { return summaries_.load(); }
  /// Pushes, removals and visibility changes of queue messages (pops and takes are not counted).
  long queue_writes() const { return queue_writes_.load(); }
  long pops() const { return pops_.load(); }

 private:
  class CountingIndex final : public IndexStore {
   public:
    CountingIndex(IndexStore& inner, CountingStorage& storage) : inner_(inner), storage_(storage) {}
    void index_workflow(const WorkflowSummary& summary) override {
      storage_.summaries_.fetch_add(1, std::memory_order_relaxed);
      inner_.index_workflow(summary);
    }
    void index_task(const TaskSummary& summary) override {
      storage_.summaries_.fetch_add(1, std::memory_order_relaxed);
      inner_.index_task(summary);
    }
    bool summarizes_stored_rows() const override {
      return storage_.summarizes_.value_or(inner_.summarizes_stored_rows());
    }
    void remove_workflow(std::string_view workflow_id) override { inner_.remove_workflow(workflow_id); }
    SearchResult<WorkflowSummary> search_workflows(const SearchQuery& query) override {
      return inner_.search_workflows(query);
    }
    SearchResult<TaskSummary> search_tasks(const SearchQuery& query) override { return inner_.search_tasks(query); }
    void flush_free_text() override { inner_.flush_free_text(); }

   private:
    IndexStore& inner_;
    CountingStorage& storage_;
  };

  class CountingQueues final : public QueueStore {
   public:
    CountingQueues(QueueStore& inner, CountingStorage& storage) : inner_(inner), storage_(storage) {}
    void push(std::string_view queue, std::string_view id, int priority, std::int64_t visible_at) override {
      wrote();
      inner_.push(queue, id, priority, visible_at);
    }
    bool push_if_absent(std::string_view queue, std::string_view id, int priority, std::int64_t visible_at) override {
      wrote();
      return inner_.push_if_absent(queue, id, priority, visible_at);
    }
    std::vector<std::string> pop(std::string_view queue, int count, std::int64_t now_ms,
                                 std::int64_t unack_ms) override {
      storage_.pops_.fetch_add(1, std::memory_order_relaxed);
      return inner_.pop(queue, count, now_ms, unack_ms);
    }
    std::vector<std::string> take(std::string_view queue, int count, std::int64_t now_ms) override {
      return inner_.take(queue, count, now_ms);
    }
    void remove(std::string_view queue, std::string_view id) override {
      wrote();
      inner_.remove(queue, id);
    }
    void set_visible_at(std::string_view queue, std::string_view id, std::int64_t visible_at) override {
      wrote();
      inner_.set_visible_at(queue, id, visible_at);
    }
    void set_visible_at_if_earlier(std::string_view queue, std::string_view id, std::int64_t visible_at) override {
      wrote();
      inner_.set_visible_at_if_earlier(queue, id, visible_at);
    }
    bool contains(std::string_view queue, std::string_view id) override { return inner_.contains(queue, id); }
    std::int64_t size(std::string_view queue) override { return inner_.size(queue); }
    std::map<std::string, QueueCounts> all_sizes() override { return inner_.all_sizes(); }
    void flush(std::string_view queue) override { inner_.flush(queue); }
    std::optional<std::int64_t> next_visible_at(std::string_view queue) override {
      return inner_.next_visible_at(queue);
    }
    std::map<std::string, std::int64_t, std::less<>> next_visible_times(const std::vector<std::string>& queues) override {
      return inner_.next_visible_times(queues);
    }

   private:
    void wrote() { storage_.queue_writes_.fetch_add(1, std::memory_order_relaxed); }

    QueueStore& inner_;
    CountingStorage& storage_;
  };

  class CountingTransaction final : public Transaction {
   public:
    CountingTransaction(std::unique_ptr<Transaction> inner, std::atomic<long>* commits, CountingStorage& storage)
        : inner_(std::move(inner)), commits_(commits), index_(inner_->index(), storage), queues_(inner_->queues(), storage) {}
    MetadataStore& metadata() override { return inner_->metadata(); }
    ExecutionStore& execution() override { return inner_->execution(); }
    QueueStore& queues() override { return queues_; }
    IndexStore& index() override { return index_; }
    EventStore& events() override { return inner_->events(); }
    TakenTasks take_tasks(std::string_view queue, int count, std::int64_t now_ms, std::string_view sweep_queue) override {
      return inner_->take_tasks(queue, count, now_ms, sweep_queue);
    }
    void commit() override {
      inner_->commit();
      if (commits_ != nullptr) commits_->fetch_add(1, std::memory_order_relaxed);
    }

   private:
    std::unique_ptr<Transaction> inner_;
    std::atomic<long>* commits_;
    CountingIndex index_;
    CountingQueues queues_;
  };

  std::unique_ptr<Storage> inner_;
  const std::optional<bool> summarizes_;
  std::atomic<long> commits_{0};
  std::atomic<long> reads_{0};
  std::atomic<long> summaries_{0};
  std::atomic<long> queue_writes_{0};
  std::atomic<long> pops_{0};
};

}  // namespace conductor::testing
