#pragma once

#include <conductor/metrics.hpp>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "storage/sqlite/connection.hpp"

namespace conductor::detail {

/// Group commit on the one writer connection.
///
/// Each write transaction is a logical one: a SAVEPOINT inside a real transaction that several of
/// them share. A logical commit RELEASEs its savepoint into the shared transaction; whoever ends a
/// logical transaction while no other thread is waiting for the writer (or once the batch is large)
/// COMMITs the real transaction for the whole batch, paying one sync for all of it. A caller's
/// commit() returns only when the real COMMIT holding its change has completed, so "acknowledged
/// means durable" keeps holding; when that COMMIT fails, every member of the batch gets the error.
/// A logical transaction that rolls back undoes only its savepoint. The first member of a batch needs
/// no savepoint (rolling it back rolls back the real transaction, which holds nothing else), which
/// spares SQLite journaling its pages twice.
///
/// Threads that arrive while a COMMIT is syncing queue for the writer and form the next batch, so
/// the batch size follows the load: one alone commits at once, many share a sync.
class GroupCommit {
 public:
  /// `metrics` (may be null) hears of every real COMMIT.
  GroupCommit(Connection& writer, std::shared_ptr<Metrics> metrics) : writer_(writer), metrics_(std::move(metrics)) {}
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  /// The writer as held by one transaction; movable only by GroupCommit.
  class Lease {
   public:
    Lease() = default;
    bool held() const { return lock_.owns_lock(); }

   private:
    friend class GroupCommit;
    std::unique_lock<std::mutex> lock_;
    bool savepoint_ = false;  // false for a batch's first member, which the real transaction holds
  };

  /// Waits for the writer and opens a logical write transaction. Throws StorageError when this
  /// thread already holds the writer (it would wait for itself), UnavailableError when another
  /// process holds the database's write lock too long.
  Connection& begin_write(Lease& lease);
  /// Makes the logical transaction part of the batch and waits until the batch is committed;
  /// releases the writer. Throws what the real COMMIT failed with.
  void commit(Lease& lease);
  /// Undoes the logical transaction, commits the rest of the batch, and releases the writer.
  void rollback(Lease& lease) noexcept;

  /// Waits for the writer and commits any batch in progress, for a read transaction that must run
  /// on the writer (an in-memory database has no other connection). Release with end_read.
  Connection& begin_read(Lease& lease);
  void end_read(Lease& lease) noexcept;

 private:
  /// How a batch ended, shared by its members; an empty error means committed.
  struct Outcome {
    bool finished = false;
    bool retryable = false;
    std::string error;
  };

  void acquire(Lease& lease);
  /// Ends the shared transaction when this thread is the last writer for now (or the batch is
  /// full), then hands the writer on.
  void release(Lease& lease, bool force_commit) noexcept;
  void commit_batch() noexcept;
  void finish_batch(bool retryable, std::string error) noexcept;
  [[noreturn]] static void throw_outcome(const Outcome& outcome);

  Connection& writer_;
  std::shared_ptr<Metrics> metrics_;
  std::mutex writer_mutex_;
  std::atomic<std::thread::id> owner_;
  std::atomic<int> waiting_{0};  // threads blocked on writer_mutex_

  // Guarded by writer_mutex_.
  bool open_ = false;  // the shared real transaction is open
  int members_ = 0;    // logical transactions released into it
  std::shared_ptr<Outcome> batch_;

  std::mutex outcome_mutex_;  // guards every Outcome
  std::condition_variable finished_;
};

}  // namespace conductor::detail
