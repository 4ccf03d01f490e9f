#include "storage/sqlite/group_commit.hpp"

#include <conductor/error.hpp>

#include "util/stopwatch.hpp"

namespace conductor::detail {
namespace {

// A batch commits once it holds this many logical transactions even while more writers queue, so
// the first member's wait stays bounded under constant load.
constexpr int kMaxBatch = 256;

}  // namespace

void GroupCommit::acquire(Lease& lease) {
  if (owner_.load() == std::this_thread::get_id()) {
    throw StorageError("sqlite: this thread already holds a write transaction; end it before beginning another");
  }
  waiting_.fetch_add(1);
  lease.lock_ = std::unique_lock(writer_mutex_);
  waiting_.fetch_sub(1);
  owner_.store(std::this_thread::get_id());
}

Connection& GroupCommit::begin_write(Lease& lease) {
  acquire(lease);
  try {
    lease.savepoint_ = open_;
    if (!open_) {
      // IMMEDIATE takes the file's write lock up front, so no statement fails half-way on a lock.
      writer_.execute("BEGIN IMMEDIATE");
      open_ = true;
      batch_ = std::make_shared<Outcome>();
    } else {
      writer_.execute("SAVEPOINT tx");
    }
  } catch (...) {
    release(lease, false);
    throw;
  }
  return writer_;
}

void GroupCommit::commit(Lease& lease) {
  std::shared_ptr<Outcome> batch = batch_;
  try {
    if (lease.savepoint_) writer_.execute("RELEASE tx");
  } catch (...) {
    rollback(lease);
    throw;
  }
  ++members_;
  release(lease, false);
  std::unique_lock lock(outcome_mutex_);
  finished_.wait(lock, [&] { return batch->finished; });
  if (!batch->error.empty()) throw_outcome(*batch);
}

void GroupCommit::rollback(Lease& lease) noexcept {
  if (!lease.savepoint_) {
    // The first member alone in the real transaction: rolling that back undoes exactly its changes.
    writer_.rollback();
    open_ = false;
    batch_.reset();
  } else if (!writer_.autocommit() &&
             sqlite3_exec(writer_.handle(), "ROLLBACK TO tx; RELEASE tx", nullptr, nullptr, nullptr) != SQLITE_OK) {
    // The savepoint cannot be undone alone: give up the whole batch rather than commit part of it.
    writer_.rollback();
  }
  // A change rolls back when it found its workflow moved, possibly by a member of this batch that
  // readers cannot see until the batch commits: commit it now, or the change would be computed again
  // from the same stale read for as long as writers keep queueing.
  release(lease, true);
}

Connection& GroupCommit::begin_read(Lease& lease) {
  acquire(lease);
  // A reader must not see a batch that may still fail, nor keep its members waiting.
  if (open_) commit_batch();
  return writer_;
}

void GroupCommit::end_read(Lease& lease) noexcept { release(lease, false); }

void GroupCommit::release(Lease& lease, bool force_commit) noexcept {
  if (open_) {
    if (writer_.autocommit()) {
      // An error made SQLite roll back the shared transaction: every change of the batch is gone.
      open_ = false;
      members_ = 0;
      finish_batch(false, "sqlite: the shared write transaction was rolled back by an error");
    } else if (force_commit || waiting_.load() == 0 || members_ >= kMaxBatch) {
      commit_batch();
    }
  }
  owner_.store(std::thread::id());
  lease.lock_.unlock();
}

void GroupCommit::commit_batch() noexcept {
  open_ = false;
  if (members_ == 0) {
    writer_.rollback();  // nothing to keep
    batch_.reset();
    return;
  }
  const int batch_size = members_;
  members_ = 0;
  const Stopwatch stopwatch(metrics_.get());
  try {
    writer_.execute("COMMIT");
  } catch (const UnavailableError& e) {
    writer_.rollback();
    return finish_batch(true, e.what());
  } catch (const std::exception& e) {
    writer_.rollback();
    return finish_batch(false, e.what());
  }
  if (metrics_) metrics_->storage_committed(batch_size, stopwatch.elapsed());
  finish_batch(false, {});
}

void GroupCommit::finish_batch(bool retryable, std::string error) noexcept {
  {
    std::lock_guard lock(outcome_mutex_);
    batch_->finished = true;
    batch_->retryable = retryable;
    batch_->error = std::move(error);
  }
  batch_.reset();
  finished_.notify_all();
}

void GroupCommit::throw_outcome(const Outcome& outcome) {
  // Each member gets its own exception object: the members rethrow on different threads.
  if (outcome.retryable) throw UnavailableError(outcome.error);
  throw StorageError(outcome.error);
}

}  // namespace conductor::detail
