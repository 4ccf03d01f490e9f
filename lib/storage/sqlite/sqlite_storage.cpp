#include <conductor/error.hpp>
#include <conductor/storage/sqlite.hpp>

#include <mutex>
#include <utility>
#include <vector>

#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/group_commit.hpp"
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

/// One writer connection shared by the write transactions through group commit, plus a pool of
/// query-only connections for read transactions, which under WAL never wait for the writer and see
/// only committed batches.
///
/// An in-memory database exists only inside its one connection, so there every transaction, reads
/// included, runs on the writer.
class SqliteStorage final : public Storage {
 public:
  explicit SqliteStorage(const SqliteOptions& options)
      : path_(options.path),
        in_memory_(options.path == ":memory:"),
        connection_options_{static_cast<int>(options.busy_timeout.count()), synchronous_pragma(options.sync), !in_memory_,
                            options.max_size_bytes},
        writer_(std::make_unique<Connection>(path_, connection_options_)),
        group_(*writer_, options.metrics) {
    migrate(*writer_);
  }

  std::unique_ptr<Transaction> begin(TransactionMode mode) override;

  bool in_memory() const { return in_memory_; }
  GroupCommit& group() { return group_; }
  DefinitionCache& definitions() { return definitions_; }
  ExecutionCaches& execution_caches() { return execution_caches_; }

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
  std::unique_ptr<Connection> writer_;  // used only through group_ after construction
  GroupCommit group_;
  DefinitionCache definitions_;
  ExecutionCaches execution_caches_;
  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by readers_mutex_
};

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(SqliteStorage& storage, TransactionMode mode) : storage_(storage), mode_(mode) {
    if (mode == TransactionMode::kWrite) {
      active_.set(&storage.group().begin_write(lease_));
      return;
    }
    Connection* connection = nullptr;
    if (storage.in_memory()) {
      connection = &storage.group().begin_read(lease_);
    } else {
      reader_ = storage.take_reader();
      connection = reader_.get();
    }
    active_.set(connection);
    try {
      // A write in a read transaction is the caller's error (StorageError), refused before SQLite
      // would call it a read-only file (UnavailableError, which invites a retry).
      connection->set_read_only(true);
      connection->execute("BEGIN");
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
  EventStore& events() override { return events_; }

  void commit() override {
    Connection& connection = active_.get();
    if (mode_ == TransactionMode::kWrite) {
      active_.release();
      storage_.group().commit(lease_);  // hands the writer on, also when it throws
      execution_.committed();
      return;
    }
    try {
      connection.execute("COMMIT");
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
    if (mode_ == TransactionMode::kWrite) {
      storage_.group().rollback(lease_);
      return;
    }
    connection->rollback();
    connection->set_read_only(false);
    // A connection still inside a transaction after the rollback is in an unknown state: close it.
    if (reader_ && connection->autocommit()) {
      storage_.return_reader(std::move(reader_));
    }
    reader_.reset();
    if (lease_.held()) {
      storage_.group().end_read(lease_);
    }
  }

  SqliteStorage& storage_;
  TransactionMode mode_;
  GroupCommit::Lease lease_;
  std::unique_ptr<Connection> reader_;
  ActiveConnection active_;
  SqliteMetadataStore metadata_{active_, storage_.definitions()};
  SqliteExecutionStore execution_{active_, storage_.execution_caches()};
  SqliteQueueStore queues_{active_};
  SqliteIndexStore index_{active_};
  SqliteEventStore events_{active_};
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
