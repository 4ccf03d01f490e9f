#include <conductor/error.hpp>
#include <conductor/storage/postgres.hpp>
#include <conductor/storage/remote_pushes.hpp>

#include <fmt/format.h>

#include <atomic>
#include <optional>
#include <random>
#include <set>

#include "storage/postgres/listener.hpp"
#include "storage/postgres/migrations.hpp"
#include "storage/postgres/pool.hpp"
#include "storage/postgres/stores.hpp"

namespace conductor {
namespace detail::pg {

Connection& ActiveConnection::get() const {
  if (connection_ == nullptr) throw StorageError("postgres: the transaction has already ended");
  return *connection_;
}

namespace {

/// How long a pooled connection may go unused before a transaction checks it with its BEGIN.
constexpr auto kQuietConnection = std::chrono::seconds(1);

/// Transactions on pooled connections, with no writer of its own: the database orders concurrent
/// writes, within one process and across processes. Write transactions run at READ COMMITTED and
/// rely on the engine's versioned writes (a conditional UPDATE re-checks the version on the row it
/// waited for) and on row locks; read transactions see one snapshot (REPEATABLE READ, read only).
class PostgresStorage final : public Storage, public RemotePushes {
 public:
  explicit PostgresStorage(const PostgresOptions& options)
      : pool_(options.url, options.pool_size, options.acquire_timeout),
        id_(static_cast<std::int64_t>(std::mt19937_64{std::random_device{}()}() >> 1)),
        token_(fmt::format("{:016x}", id_)) {
    std::unique_ptr<Connection> connection = pool_.take();
    migrate(*connection);
    channel_ = push_channel(*connection);
    pool_.give(std::move(connection));
  }

  std::unique_ptr<Transaction> begin(TransactionMode mode) override;

  void set_push_listener(std::function<void(const std::optional<std::string>& queue)> listener) override {
    std::lock_guard lock(listener_mutex_);
    if (!owned_listener_) {
      if (!listener) return;
      owned_listener_ = std::make_unique<PushListener>(pool_.url(), channel_, token_);
      listener_ = owned_listener_.get();
    }
    owned_listener_->set_callback(std::move(listener));
  }

  // Lock-free: the engine calls it under its own lock, which the listener's callback takes.
  void set_waiting(bool waiting) override {
    if (PushListener* listener = listener_) listener->set_waiting(waiting);
  }

  void announce(const std::string& queue) override {
    if (PushListener* listener = listener_) listener->announce(queue);
  }

  Pool& pool() { return pool_; }
  const std::string& channel() const { return channel_; }
  const std::string& token() const { return token_; }
  std::int64_t id() const { return id_; }
  DefinitionCache& definitions() { return definitions_; }
  ExecutionCaches& execution_caches() { return execution_caches_; }

 private:
  Pool pool_;
  const std::int64_t id_;  // tells this storage's row writes apart from other processes'
  const std::string token_;  // likewise its announcements
  std::string channel_;
  DefinitionCache definitions_;
  ExecutionCaches execution_caches_;
  std::mutex listener_mutex_;
  std::unique_ptr<PushListener> owned_listener_;  // made at the first subscription, kept to the end
  std::atomic<PushListener*> listener_{nullptr};
};

class PostgresTransaction final : public Transaction {
 public:
  PostgresTransaction(PostgresStorage& storage, TransactionMode mode)
      : storage_(storage), write_(mode == TransactionMode::kWrite) {
    const char* begin = write_ ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    // A pooled connection may have died while idle (the server restarted): that shows only when it
    // is used, so BEGIN on a connection that has been quiet for a while waits for its answer, and
    // moves on to another connection, and at last to a new one, before giving up. A connection in
    // steady use sends BEGIN with the transaction's first statement instead, saving a round trip.
    for (int attempt = 0;; ++attempt) {
      connection_ = storage.pool().take();
      active_.set(connection_.get(), write_);
      try {
        if (std::chrono::steady_clock::now() - connection_->last_answer() < kQuietConnection) {
          connection_->send(begin);
        } else {
          connection_->exec(begin);
        }
        return;
      } catch (const UnavailableError&) {
        const bool broken = !connection_->healthy();
        end();
        if (!broken || attempt >= storage.pool().size()) throw;
      } catch (...) {
        end();
        throw;
      }
    }
  }

  ~PostgresTransaction() override { end(); }

  MetadataStore& metadata() override { return metadata_; }
  ExecutionStore& execution() override { return execution_; }
  QueueStore& queues() override { return queues_; }
  IndexStore& index() override { return index_; }
  EventStore& events() override { return events_; }
  TakenTasks take_tasks(std::string_view queue, int count, std::int64_t now_ms, std::string_view sweep_queue) override {
    return execution_.take_tasks(queue, count, now_ms, sweep_queue);
  }

  void skip_announcing(std::string_view queue) override { unannounced_.emplace(queue); }

  void commit() override {
    Connection& connection = active_.get();
    // The announcements go out with the COMMIT and whatever statements are still unanswered, in one
    // round trip; PostgreSQL delivers them only if it commits.
    try {
      for (const std::string& queue : active_.pushed()) {
        if (unannounced_.contains(queue)) continue;
        connection.send("SELECT pg_notify($1, $2)", storage_.channel(), announcement(storage_.token(), queue));
      }
      // A transaction that failed earlier answers COMMIT with ROLLBACK, not with an error.
      if (connection.query("COMMIT").command() != "COMMIT") {
        throw StorageError("postgres: the transaction had failed and was rolled back");
      }
    } catch (...) {
      end();
      throw;
    }
    execution_.committed();
    end();
  }

 private:
  /// Rolls back whatever is uncommitted and hands the connection back; the stores are unusable after.
  void end() noexcept {
    if (active_.release() == nullptr) return;
    const PGTransactionStatusType status = PQtransactionStatus(connection_->raw());
    if (!connection_->healthy() || status == PQTRANS_IDLE) {
      // Nothing to end.
    } else if (!write_ && status == PQTRANS_INTRANS) {
      // A read ends without waiting: its ROLLBACK travels with the connection's next statement.
      try {
        connection_->rollback_later();
      } catch (const Error&) {
        // The connection broke: the pool drops it.
      }
    } else {
      connection_->try_exec("ROLLBACK");
    }
    storage_.pool().give(std::move(connection_));
  }

  PostgresStorage& storage_;
  bool write_;
  std::unique_ptr<Connection> connection_;
  ActiveConnection active_;
  std::set<std::string, std::less<>> unannounced_;
  PgMetadataStore metadata_{active_, storage_.definitions()};
  PgExecutionStore execution_{active_, storage_.execution_caches(), storage_.id()};
  PgQueueStore queues_{active_};
  PgIndexStore index_{active_, execution_};
  PgEventStore events_{active_};
};

std::unique_ptr<Transaction> PostgresStorage::begin(TransactionMode mode) {
  return std::make_unique<PostgresTransaction>(*this, mode);
}

}  // namespace
}  // namespace detail::pg

std::unique_ptr<Storage> open_postgres(const PostgresOptions& options) {
  return std::make_unique<detail::pg::PostgresStorage>(options);
}

}  // namespace conductor
