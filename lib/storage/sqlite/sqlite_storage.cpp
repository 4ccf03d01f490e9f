#include <conductor/error.hpp>
#include <conductor/storage/sqlite.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/migrations.hpp"
#include "storage/sqlite/stores.hpp"

namespace conductor {
namespace detail {

Connection& ActiveConnection::get() const {
  if (connection_ == nullptr) {
    throw StorageError("sqlite: the transaction has already ended");
  }
  return *connection_;
}

namespace {

/// Idle read connections kept open; more are opened on demand and closed when done.
constexpr std::size_t kMaxIdleReaders = 4;

std::string_view synchronous_pragma(SqliteSync sync) {
  switch (sync) {
    case SqliteSync::kFull:
      return "FULL";
    case SqliteSync::kNormal:
      return "NORMAL";
    case SqliteSync::kOff:
      return "OFF";
  }
  return "FULL";
}

/// One writer connection serialized by a mutex (SQLite allows one writer at a time anyway, and BEGIN
/// IMMEDIATE takes the file lock up front so a transaction never fails half-way on a lock), plus a
/// pool of query-only connections for read transactions, which under WAL never wait for the writer.
///
/// An in-memory database exists only inside its one connection, so there every transaction, reads
/// included, runs on the writer.
///
/// A thread that holds the writer and asks for it again would wait for itself forever; that is
/// refused with StorageError instead.
class SqliteStorage final : public Storage {
 public:
  explicit SqliteStorage(const SqliteOptions& options)
      : path_(options.path),
        in_memory_(options.path == ":memory:"),
        connection_options_{options.busy_timeout_ms, synchronous_pragma(options.sync), !in_memory_},
        writer_(std::make_unique<Connection>(path_, connection_options_)) {
    migrate(*writer_);
  }

  std::unique_ptr<Transaction> begin(TransactionMode mode) override;

  bool in_memory() const { return in_memory_; }

  /// Waits for the writer connection and returns it, owned by the calling thread until release_writer.
  Connection& acquire_writer(std::unique_lock<std::mutex>& lock) {
    if (writer_owner_.load() == std::this_thread::get_id()) {
      throw StorageError("sqlite: this thread already holds a write transaction; end it before beginning another");
    }
    lock = std::unique_lock(writer_mutex_);
    writer_owner_.store(std::this_thread::get_id());
    return *writer_;
  }

  void release_writer(std::unique_lock<std::mutex>& lock) noexcept {
    writer_owner_.store(std::thread::id());
    lock.unlock();
  }

  std::unique_ptr<Connection> take_reader() {
    {
      std::lock_guard lock(readers_mutex_);
      if (!idle_readers_.empty()) {
        std::unique_ptr<Connection> reader = std::move(idle_readers_.back());
        idle_readers_.pop_back();
        return reader;
      }
    }
    auto reader = std::make_unique<Connection>(path_, connection_options_);
    reader->exec("PRAGMA query_only=1");
    return reader;
  }

  void return_reader(std::unique_ptr<Connection> reader) noexcept {
    std::lock_guard lock(readers_mutex_);
    if (idle_readers_.size() < kMaxIdleReaders) {
      idle_readers_.push_back(std::move(reader));
    }
  }

 private:
  std::string path_;
  bool in_memory_;
  ConnectionOptions connection_options_;
  std::mutex writer_mutex_;
  std::atomic<std::thread::id> writer_owner_;
  std::unique_ptr<Connection> writer_;  // guarded by writer_mutex_ after construction
  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by readers_mutex_
};

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(SqliteStorage& storage, TransactionMode mode) : storage_(storage) {
    Connection* connection = nullptr;
    if (mode == TransactionMode::kWrite || storage.in_memory()) {
      connection = &storage.acquire_writer(writer_lock_);
    } else {
      reader_ = storage.take_reader();
      connection = reader_.get();
    }
    active_.set(connection);
    try {
      if (mode == TransactionMode::kRead && !reader_) {
        // Read transactions on the writer get the same guarantee as the read-only pool.
        connection->exec("PRAGMA query_only=1");
        query_only_writer_ = true;
      }
      connection->execute(mode == TransactionMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
    } catch (...) {
      end();
      throw;
    }
  }

  ~SqliteTransaction() override { end(); }

  MetadataStore& metadata() override { return metadata_; }
  ExecutionStore& execution() override { return execution_; }
  QueueStore& queues() override { return queues_; }
  IndexStore& index() override { return index_; }

  void commit() override {
    try {
      active_.get().execute("COMMIT");
    } catch (...) {
      end();
      throw;
    }
    end();
  }

 private:
  /// Rolls back whatever is uncommitted and hands the connection back; the stores are unusable after.
  void end() noexcept {
    Connection* connection = active_.release();
    if (connection == nullptr) {
      return;
    }
    connection->rollback();
    if (query_only_writer_) {
      sqlite3_exec(connection->handle(), "PRAGMA query_only=0", nullptr, nullptr, nullptr);
    }
    // A connection still inside a transaction after the rollback is in an unknown state: close it.
    if (reader_ && connection->autocommit()) {
      storage_.return_reader(std::move(reader_));
    }
    reader_.reset();
    if (writer_lock_.owns_lock()) {
      storage_.release_writer(writer_lock_);
    }
  }

  SqliteStorage& storage_;
  std::unique_lock<std::mutex> writer_lock_;
  std::unique_ptr<Connection> reader_;
  bool query_only_writer_ = false;
  ActiveConnection active_;
  SqliteMetadataStore metadata_{active_};
  SqliteExecutionStore execution_{active_};
  SqliteQueueStore queues_{active_};
  SqliteIndexStore index_{active_};
};

std::unique_ptr<Transaction> SqliteStorage::begin(TransactionMode mode) {
  return std::make_unique<SqliteTransaction>(*this, mode);
}

}  // namespace
}  // namespace detail

std::unique_ptr<Storage> open_sqlite(const SqliteOptions& options) {
  return std::make_unique<detail::SqliteStorage>(options);
}

}  // namespace conductor
