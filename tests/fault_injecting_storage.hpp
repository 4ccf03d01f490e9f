#pragma once

#include <conductor/error.hpp>
#include <conductor/storage/storage.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace conductor::testing {

/// A storage that misbehaves on request: write commits that fail (nothing of them is written), a
/// statement that fails half-way through a change, a database too busy to begin a write, and hooks
/// that run when a transaction begins, to put another writer or a wait at an exact point.
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
  /// The `nth` call from now on a metadata, execution or queue store, in any transaction, throws StorageError
  /// instead of running, as a statement SQLite fails with an I/O error does; what the transaction
  /// wrote before it is rolled back with the transaction.
  void fail_statement(int nth) {
    std::lock_guard lock(mutex_);
    statements_until_failure_ = nth;
  }
  /// True while a failure set by fail_statement() has not been thrown yet.
  bool statement_failure_pending() {
    std::lock_guard lock(mutex_);
    return statements_until_failure_ > 0;
  }
  /// The next `count` write transactions throw UnavailableError when they begin, as SQLite does when
  /// another process holds the database past the busy timeout.
  void fail_begins(int count) {
    std::lock_guard lock(mutex_);
    failing_begins_ = count;
  }
  /// The failures above strike only transactions of this thread, so that other threads (a long poll
  /// waiting in the background) go on undisturbed.
  void faults_only_on(std::thread::id thread) {
    std::lock_guard lock(mutex_);
    faulty_thread_ = thread;
  }
  int write_begins() {
    std::lock_guard lock(mutex_);
    return write_begins_;
  }
  /// Transactions begun on one thread: what a long poll has done so far.
  int begins_on(std::thread::id thread) {
    std::lock_guard lock(mutex_);
    auto it = begins_by_thread_.find(thread);
    return it == begins_by_thread_.end() ? 0 : it->second;
  }

  std::unique_ptr<Transaction> begin(TransactionMode mode) override {
    Hook hook;
    {
      std::lock_guard lock(mutex_);
      ++begins_by_thread_[std::this_thread::get_id()];
      if (mode == TransactionMode::kWrite) {
        ++write_begins_;
        if (failing_begins_ > 0 && on_faulty_thread()) {
          --failing_begins_;
          throw UnavailableError("injected: sqlite: BEGIN IMMEDIATE: database is locked");
        }
      }
      if (hook_ && when_(mode)) hook = std::exchange(hook_, nullptr);
    }
    if (hook) hook(mode);
    return std::make_unique<FaultyTransaction>(*this, inner_->begin(mode), mode);
  }

 private:
  class FaultyTransaction final : public Transaction {
   public:
    FaultyTransaction(FaultInjectingStorage& owner, std::unique_ptr<Transaction> inner, TransactionMode mode)
        : owner_(owner), inner_(std::move(inner)), mode_(mode), metadata_(*this), execution_(*this), queues_(*this) {}
    MetadataStore& metadata() override { return metadata_; }
    ExecutionStore& execution() override { return execution_; }
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
    // Forwards to the inner metadata store, one statement at a time.
    class Metadata final : public MetadataStore {
     public:
      explicit Metadata(FaultyTransaction& tx) : tx_(tx) {}
      MetadataStore& inner() {
        tx_.owner_.statement();
        return tx_.inner_->metadata();
      }
      void put_task_def(const TaskDef& def) override { inner().put_task_def(def); }
      std::optional<TaskDef> find_task_def(std::string_view name) override { return inner().find_task_def(name); }
      std::vector<TaskDef> list_task_defs() override { return inner().list_task_defs(); }
      bool remove_task_def(std::string_view name) override { return inner().remove_task_def(name); }
      void put_workflow_def(const WorkflowDef& def) override { inner().put_workflow_def(def); }
      std::optional<WorkflowDef> find_workflow_def(std::string_view name, std::optional<int> version) override {
        return inner().find_workflow_def(name, version);
      }
      std::vector<WorkflowDef> list_workflow_defs() override { return inner().list_workflow_defs(); }
      bool remove_workflow_def(std::string_view name, int version) override {
        return inner().remove_workflow_def(name, version);
      }
      void put_event_handler(const EventHandler& handler) override { inner().put_event_handler(handler); }
      std::optional<EventHandler> find_event_handler(std::string_view name) override {
        return inner().find_event_handler(name);
      }
      std::vector<EventHandler> list_event_handlers() override { return inner().list_event_handlers(); }
      bool remove_event_handler(std::string_view name) override { return inner().remove_event_handler(name); }

     private:
      FaultyTransaction& tx_;
    };

    // Forwards to the inner execution store, one statement at a time.
    class Execution final : public ExecutionStore {
     public:
      explicit Execution(FaultyTransaction& tx) : tx_(tx) {}
      ExecutionStore& inner() {
        tx_.owner_.statement();
        return tx_.inner_->execution();
      }
      std::int64_t insert_workflow(const Workflow& w) override { return inner().insert_workflow(w); }
      void update_workflow(const Workflow& w) override { inner().update_workflow(w); }
      void update_workflow_if(const Workflow& w, std::int64_t expected) override {
        inner().update_workflow_if(w, expected);
      }
      void advance_version_if(std::string_view id, std::int64_t expected) override {
        inner().advance_version_if(id, expected);
      }
      std::optional<std::int64_t> advance_version(std::string_view id) override { return inner().advance_version(id); }
      std::optional<std::int64_t> workflow_version(std::string_view id) override { return inner().workflow_version(id); }
      std::optional<Workflow> find_workflow(std::string_view id, bool include_tasks) override {
        return inner().find_workflow(id, include_tasks);
      }
      bool remove_workflow(std::string_view id) override { return inner().remove_workflow(id); }
      std::vector<std::string> running_workflow_ids(std::string_view name, std::optional<int> version) override {
        return inner().running_workflow_ids(name, version);
      }
      std::vector<Workflow> workflows_by_correlation_id(std::string_view name, std::string_view correlation_id,
                                                        bool include_closed) override {
        return inner().workflows_by_correlation_id(name, correlation_id, include_closed);
      }
      std::vector<std::string> ended_workflow_ids(const EndedWorkflowQuery& query) override {
        return inner().ended_workflow_ids(query);
      }
      std::optional<Workflow> find_workflow_by_idempotency_key(std::string_view name, std::string_view key) override {
        return inner().find_workflow_by_idempotency_key(name, key);
      }
      void insert_task(const Task& t) override { inner().insert_task(t); }
      void update_task(const Task& t) override { inner().update_task(t); }
      std::optional<Task> find_task(std::string_view id) override { return inner().find_task(id); }
      bool remove_task(std::string_view id) override { return inner().remove_task(id); }
      std::vector<Task> tasks_of(std::string_view id) override { return inner().tasks_of(id); }
      std::vector<std::string> in_progress_task_ids(std::string_view name, int limit) override {
        return inner().in_progress_task_ids(name, limit);
      }
      std::vector<Task> pending_tasks_of_type(std::string_view type) override {
        return inner().pending_tasks_of_type(type);
      }
      void add_task_logs(const std::vector<TaskExecLog>& logs) override { inner().add_task_logs(logs); }
      std::vector<TaskExecLog> task_logs(std::string_view id) override { return inner().task_logs(id); }
      void put_poll_data(const PollData& data) override { inner().put_poll_data(data); }
      std::optional<PollData> find_poll_data(std::string_view queue, std::optional<std::string_view> domain) override {
        return inner().find_poll_data(queue, domain);
      }
      std::vector<PollData> poll_data(std::string_view queue) override { return inner().poll_data(queue); }
      bool try_admit_rate(std::string_view key, std::int64_t now_ms, std::int64_t window_ms, int limit) override {
        return inner().try_admit_rate(key, now_ms, window_ms, limit);
      }

     private:
      FaultyTransaction& tx_;
    };

    // Forwards to the inner queues, one statement at a time, noting the queues messages were
    // removed from.
    class Queues final : public QueueStore {
     public:
      explicit Queues(FaultyTransaction& tx) : tx_(tx) {}
      QueueStore& inner() {
        tx_.owner_.statement();
        return tx_.inner_->queues();
      }
      void push(std::string_view q, std::string_view id, int priority, std::int64_t at) override {
        inner().push(q, id, priority, at);
      }
      bool push_if_absent(std::string_view q, std::string_view id, int priority, std::int64_t at) override {
        return inner().push_if_absent(q, id, priority, at);
      }
      std::vector<std::string> pop(std::string_view q, int count, std::int64_t now, std::int64_t unack) override {
        return inner().pop(q, count, now, unack);
      }
      std::vector<std::string> take(std::string_view q, int count, std::int64_t now) override {
        tx_.removed_from_.emplace_back(q);
        return inner().take(q, count, now);
      }
      void remove(std::string_view q, std::string_view id) override {
        tx_.removed_from_.emplace_back(q);
        inner().remove(q, id);
      }
      void set_visible_at(std::string_view q, std::string_view id, std::int64_t at) override {
        inner().set_visible_at(q, id, at);
      }
      void set_visible_at_if_earlier(std::string_view q, std::string_view id, std::int64_t at) override {
        inner().set_visible_at_if_earlier(q, id, at);
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
    Metadata metadata_;
    Execution execution_;
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

  // Caller holds mutex_.
  bool on_faulty_thread() const {
    return faulty_thread_ == std::thread::id() || faulty_thread_ == std::this_thread::get_id();
  }

  // Counts one statement; throws when it is the one to fail.
  void statement() {
    std::lock_guard lock(mutex_);
    if (!on_faulty_thread() || statements_until_failure_ <= 0 || --statements_until_failure_ > 0) return;
    throw StorageError("injected: sqlite: step: disk I/O error");
  }

  bool take_failure() {
    std::lock_guard lock(mutex_);
    if (failing_commits_ <= 0 || !on_faulty_thread()) return false;
    --failing_commits_;
    return true;
  }

  std::unique_ptr<Storage> inner_;
  std::mutex mutex_;
  int failing_commits_ = 0;
  std::string failing_queue_;
  int failing_removals_ = 0;
  int write_begins_ = 0;
  std::map<std::thread::id, int> begins_by_thread_;
  std::thread::id faulty_thread_;
  int statements_until_failure_ = 0;
  int failing_begins_ = 0;
  std::function<bool(TransactionMode)> when_;
  Hook hook_;
};

}  // namespace conductor::testing
