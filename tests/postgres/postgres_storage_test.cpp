// What only a shared server brings: several pools (processes) on one database, concurrent writers,
// cross-process wake-ups, and the errors of connecting.

#include <conductor/codec.hpp>
#include <conductor/error.hpp>
#include <conductor/storage/postgres.hpp>
#include <conductor/storage/remote_pushes.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "postgres/postgres_fixture.hpp"

using namespace conductor;
using conductor::testing::PostgresSchema;

namespace {

Workflow counter_workflow(const std::string& id) {
  Workflow wf;
  wf.workflow_id = id;
  wf.workflow_definition.edit().name = "flow";
  wf.workflow_definition.edit().version = 1;
  wf.create_time = 1000;
  wf.update_time = 1000;
  return wf;
}

Task work_task(const std::string& id, const std::string& workflow_id, int seq) {
  Task task;
  task.task_id = id;
  task.workflow_instance_id = workflow_id;
  task.reference_task_name = id;
  task.task_def_name = "work";
  task.task_type = "work";
  task.seq = seq;
  task.status = TaskStatus::kScheduled;
  return task;
}

/// Stores a workflow with two tasks, `<id>-1` queued on "work" and `<id>-2`.
void store_two_tasks(Storage& storage, const std::string& id) {
  auto tx = storage.begin();
  tx->execution().insert_workflow(counter_workflow(id));
  tx->execution().insert_task(work_task(id + "-1", id, 1));
  tx->execution().insert_task(work_task(id + "-2", id, 2));
  tx->queues().push("work", id + "-1", 0, 0);
  tx->commit();
}

/// Has `storage` poll a task of a workflow `other` wrote, which it does not send along: the polls
/// after it send such workflows.
void meet_other_writer(Storage& storage, Storage& other) {
  {
    auto tx = other.begin();
    tx->execution().insert_workflow(counter_workflow("met"));
    tx->execution().insert_task(work_task("met-1", "met", 1));
    tx->queues().push("meet", "met-1", 0, 0);
    tx->commit();
  }
  auto tx = storage.begin();
  TakenTasks taken = tx->take_tasks("meet", 1, 10, "sweep");
  REQUIRE(taken.tasks.size() == 1);
  CHECK(taken.workflows.empty());
  tx->commit();
}

/// Whether `sent` is the workflow as `tx` sees it now: its row, its tasks, its version.
bool current(Transaction& tx, const TakenTasks::VersionedWorkflow& sent) {
  const std::string& id = sent.workflow.workflow_id;
  auto stored = tx.execution().find_workflow(id, true);
  return stored && encode(*stored, JsonMode::kStorage) == encode(sent.workflow, JsonMode::kStorage) &&
         tx.execution().workflow_version(id) == sent.version;
}

/// Whether a session of `application_name` comes to wait for a lock, asked a few hundred times.
bool waits_for_lock(const std::string& application_name) {
  const std::string sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + application_name +
                          "' AND wait_event_type = 'Lock'";
  const std::string server = conductor::testing::postgres_server_url();
  for (int asked = 0; asked < 500; ++asked) {
    if (conductor::testing::postgres_admin(server, sql) == "1") return true;
  }
  return false;
}

/// Records the queues another pool's pushes were announced to `storage`'s listener for, and how
/// often it was told that pushes may have gone unheard. Waits for pushes from the start unless told.
class Ear {
 public:
  explicit Ear(Storage& storage, bool waiting = true) : remote_(dynamic_cast<RemotePushes&>(storage)) {
    remote_.set_push_listener([this](const std::optional<std::string>& queue) {
      std::lock_guard lock(mutex_);
      if (queue) {
        queues_.push_back(*queue);
      } else {
        ++missed_;
      }
      changed_.notify_all();
    });
    if (waiting) remote_.set_waiting(true);
  }
  ~Ear() { remote_.set_push_listener({}); }
  Ear(const Ear&) = delete;
  Ear& operator=(const Ear&) = delete;

  void set_waiting(bool waiting) { remote_.set_waiting(waiting); }
  /// Whether `queue` was heard, waiting at most `timeout` for it.
  bool heard(const std::string& queue, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return std::count(queues_.begin(), queues_.end(), queue) > 0; });
  }
  /// Whether the listener said `times` times that pushes may have gone unheard, waiting at most `timeout`.
  bool missed(int times, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return missed_ >= times; });
  }
  std::vector<std::string> queues() {
    std::lock_guard lock(mutex_);
    return queues_;
  }

 private:
  RemotePushes& remote_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> queues_;
  int missed_ = 0;
};

/// Commits one push to `queue`.
void push_one(Storage& storage, const std::string& queue) {
  auto tx = storage.begin();
  tx->queues().push(queue, "m", 0, 0);
  tx->commit();
}

/// Pushes to `queue` until `ear` hears it, with a generous deadline: a listener connects and
/// LISTENs on a thread of its own.
bool push_until_heard(Storage& storage, Ear& ear, const std::string& queue) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    push_one(storage, queue);
  } while (!ear.heard(queue, std::chrono::milliseconds(200)) && std::chrono::steady_clock::now() < deadline);
  return ear.heard(queue, std::chrono::seconds(0));
}

/// The port of a server that is not there: one the cluster's own port plus one is unlikely to be.
std::string unreachable_url() { return "postgresql://conductor@127.0.0.1:1/postgres?connect_timeout=2"; }

}  // namespace

TEST_CASE("postgres: two pools on one database never hand out a message twice") {
  const bool take = GENERATE(false, true);  // by pop (in flight) and by take (deleted)
  INFO((take ? "take" : "pop"));
  PostgresSchema schema;
  auto first = open_postgres({.url = schema.url(), .pool_size = 4});
  auto second = open_postgres({.url = schema.url(), .pool_size = 4});
  constexpr int kMessages = 400;
  {
    auto tx = first->begin();
    for (int i = 0; i < kMessages; ++i) tx->queues().push("work", "m" + std::to_string(i), i % 3, 0);
    tx->commit();
  }
  std::mutex mutex;
  std::vector<std::string> popped;
  auto poller = [&](Storage& storage) {
    for (;;) {
      auto tx = storage.begin();
      auto ids = take ? tx->queues().take("work", 7, 10) : tx->queues().pop("work", 7, 10, 60'000);
      tx->commit();
      if (ids.empty()) return;
      std::lock_guard lock(mutex);
      popped.insert(popped.end(), ids.begin(), ids.end());
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back(poller, std::ref(*first));
    threads.emplace_back(poller, std::ref(*second));
  }
  for (auto& thread : threads) thread.join();
  CHECK(popped.size() == kMessages);
  CHECK(std::set<std::string>(popped.begin(), popped.end()).size() == kMessages);
}

TEST_CASE("postgres: concurrent versioned writers lose no update") {
  PostgresSchema schema;
  auto first = open_postgres({.url = schema.url(), .pool_size = 4});
  auto second = open_postgres({.url = schema.url(), .pool_size = 4});
  {
    auto tx = first->begin();
    tx->execution().insert_workflow(counter_workflow("wf"));
    tx->commit();
  }
  constexpr int kPerThread = 25;
  auto writer = [&](Storage& storage) {
    for (int done = 0; done < kPerThread;) {
      auto read = storage.begin(TransactionMode::kRead);
      Workflow wf = *read->execution().find_workflow("wf", false);
      std::int64_t version = *read->execution().workflow_version("wf");
      read.reset();
      ++wf.priority;
      try {
        auto tx = storage.begin();
        tx->execution().update_workflow_if(wf, version);
        tx->commit();
        ++done;
      } catch (const StaleVersionError&) {
        // Another writer got there first: read again.
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back(writer, std::ref(*first));
    threads.emplace_back(writer, std::ref(*second));
  }
  for (auto& thread : threads) thread.join();
  auto tx = second->begin(TransactionMode::kRead);
  CHECK(tx->execution().find_workflow("wf", false)->priority == 4 * kPerThread);
}

TEST_CASE("postgres: a poll sends along the taken tasks' workflows another pool wrote last") {
  PostgresSchema schema;
  auto first = open_postgres({.url = schema.url(), .pool_size = 2});
  auto second = open_postgres({.url = schema.url(), .pool_size = 2});
  store_two_tasks(*first, "a");
  store_two_tasks(*second, "b");
  meet_other_writer(*second, *first);
  {
    auto tx = first->begin();
    tx->queues().push("sweep", "a", 0, 5000);
    tx->commit();
  }
  {
    auto tx = second->begin();
    TakenTasks taken = tx->take_tasks("work", 10, 10, "sweep");
    CHECK(taken.tasks.size() == 2);
    REQUIRE(taken.workflows.size() == 1);  // a only: b is this pool's own
    CHECK(taken.workflows[0].workflow.workflow_id == "a");
    CHECK(taken.workflows[0].workflow.tasks.size() == 2);
    CHECK(taken.workflows[0].sweep_at == 5000);
    CHECK(current(*tx, taken.workflows[0]));
    tx->execution().advance_version("a");
    tx->queues().push("work", "a-2", 0, 0);
    tx->commit();
  }
  // Written by the second pool last, a goes back to the first with the version the second left,
  // from the first's second poll on.
  auto tx = first->begin();
  CHECK(tx->take_tasks("work", 10, 10, "sweep").workflows.empty());
  tx->queues().push("work", "a-2", 0, 0);
  TakenTasks taken = tx->take_tasks("work", 10, 10, "none");
  REQUIRE(taken.workflows.size() == 1);
  CHECK(taken.workflows[0].workflow.workflow_id == "a");
  CHECK_FALSE(taken.workflows[0].sweep_at);  // no message in that queue
  CHECK(current(*tx, taken.workflows[0]));
}

TEST_CASE("postgres: a poll that waited for a workflow's lock does not send what changed meanwhile") {
  PostgresSchema schema;
  const std::string name = "take_" + std::to_string(std::random_device{}());
  auto first = open_postgres({.url = schema.url(), .pool_size = 1});
  auto second = open_postgres({.url = schema.url() + "&application_name=" + name, .pool_size = 1});
  store_two_tasks(*first, "a");
  meet_other_writer(*second, *first);
  // The first changes a's second task, and holds the workflow's lock until it commits.
  auto change = first->begin();
  const std::int64_t version = *change->execution().workflow_version("a");
  Task changed = work_task("a-2", "a", 2);
  changed.status = TaskStatus::kInProgress;
  change->execution().update_task(changed);
  change->execution().advance_version_if("a", version);
  change->execution().find_task("a-2");  // every write has reached the server
  std::optional<TakenTasks> taken;
  bool sent_current = true;
  std::thread poller([&] {
    auto tx = second->begin();
    taken = tx->take_tasks("work", 10, 10, "sweep");
    for (const auto& sent : taken->workflows) sent_current = sent_current && current(*tx, sent);
    tx->commit();
  });
  CHECK(waits_for_lock(name));  // the take read its snapshot before the change committed
  change->commit();
  poller.join();
  REQUIRE(taken);
  CHECK(taken->tasks.size() == 1);
  CHECK(sent_current);
}

TEST_CASE("postgres: a rate limit holds across pools") {
  PostgresSchema schema;
  auto first = open_postgres({.url = schema.url(), .pool_size = 4});
  auto second = open_postgres({.url = schema.url(), .pool_size = 4});
  std::atomic<int> admitted{0};
  auto admit = [&](Storage& storage) {
    for (int i = 0; i < 10; ++i) {
      auto tx = storage.begin();
      bool ok = tx->execution().try_admit_rate("work", 5000, 10'000, 7);
      tx->commit();
      if (ok) ++admitted;
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back(admit, std::ref(*first));
    threads.emplace_back(admit, std::ref(*second));
  }
  for (auto& thread : threads) thread.join();
  CHECK(admitted == 7);
}

TEST_CASE("postgres: a statement sent without waiting that fails rolls back its whole transaction") {
  PostgresSchema schema;
  auto storage = open_postgres({.url = schema.url(), .pool_size = 1});
  {
    auto tx = storage->begin();
    tx->queues().push("work", "kept-out", 0, 0);
    // Not UTF-8: the server rejects it, but only the commit waits for the answer.
    tx->queues().push("work\xff", "bad", 0, 0);
    CHECK_THROWS_AS(tx->commit(), StorageError);
  }
  // The one pooled connection is usable again and nothing of the failed transaction is stored.
  auto tx = storage->begin();
  CHECK_FALSE(tx->queues().contains("work", "kept-out"));
  tx->queues().push("work", "next", 0, 0);
  tx->commit();
  CHECK(storage->begin(TransactionMode::kRead)->queues().size("work") == 1);
}

TEST_CASE("postgres: a finished read leaves no transaction open on the server, and its connection works on") {
  PostgresSchema schema;
  const std::string name = "read_ends_" + std::to_string(std::random_device{}());
  auto storage = open_postgres({.url = schema.url() + "&application_name=" + name, .pool_size = 1});
  {
    auto tx = storage->begin(TransactionMode::kRead);
    CHECK(tx->queues().size("work") == 0);
  }
  // The ROLLBACK's answer is still unread, but the server ends the transaction: nothing of this
  // storage stays idle in a transaction, holding a snapshot. (Asked again while the server may not
  // have read the ROLLBACK yet; each question is a new connection, some milliseconds.)
  const std::string sessions = "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + name + "'";
  const std::string server = conductor::testing::postgres_server_url();
  std::string open = "1";
  for (int asked = 0; asked < 100 && open != "0"; ++asked) {
    open = conductor::testing::postgres_admin(server, sessions + " AND state = 'idle in transaction'");
  }
  CHECK(open == "0");
  CHECK(conductor::testing::postgres_admin(server, sessions) == "1");
  // The one connection goes on, for a read and for a write.
  CHECK_FALSE(storage->begin(TransactionMode::kRead)->queues().contains("work", "m"));
  auto tx = storage->begin();
  tx->queues().push("work", "m", 0, 0);
  tx->commit();
  CHECK(storage->begin(TransactionMode::kRead)->queues().contains("work", "m"));
}

TEST_CASE("postgres: a write transaction that found a message keeps it until it commits") {
  PostgresSchema schema;
  const std::string name = "contains_" + std::to_string(std::random_device{}());
  auto first = open_postgres({.url = schema.url(), .pool_size = 1});
  auto second = open_postgres({.url = schema.url() + "&application_name=" + name, .pool_size = 1});
  {
    auto tx = first->begin();
    tx->queues().push("work", "m", 0, 0);
    tx->commit();
  }
  // Two acknowledgements of one message: each asks whether it is there, then removes it.
  auto tx = first->begin();
  REQUIRE(tx->queues().contains("work", "m"));
  std::optional<bool> seen_by_second;
  std::thread other([&] {
    auto late = second->begin();
    seen_by_second = late->queues().contains("work", "m");
    late->commit();
  });
  CHECK(waits_for_lock(name));  // the second waits for the first instead of answering at once
  tx->queues().remove("work", "m");
  tx->commit();
  other.join();
  CHECK(seen_by_second == false);
}

TEST_CASE("postgres: a push committed by one pool wakes the listener of another") {
  PostgresSchema schema;
  auto waiting = open_postgres({.url = schema.url(), .pool_size = 2});
  auto pushing = open_postgres({.url = schema.url(), .pool_size = 2});
  Ear ear(*waiting);
  // The listener connects on its own thread: push until it hears, with a generous deadline.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    {
      auto rolled_back = pushing->begin();
      rolled_back->queues().push("ignored", "m", 0, 0);  // never committed: never announced
    }
    auto tx = pushing->begin();
    tx->queues().push("work", "m", 0, 0);
    tx->commit();
  } while (!ear.heard("work", std::chrono::milliseconds(200)) && std::chrono::steady_clock::now() < deadline);
  const auto heard = ear.queues();
  REQUIRE_FALSE(heard.empty());
  CHECK(std::all_of(heard.begin(), heard.end(), [](const std::string& q) { return q == "work"; }));
}

/// Whether the listener of `schema`'s pools comes to stop listening, asked until a generous deadline.
bool stops_listening(const PostgresSchema& schema) {
  const std::string sql = "SELECT count(*) FROM pg_stat_activity WHERE query = 'UNLISTEN conductor_queues_' || md5('" +
                          schema.name() + "') AND state = 'idle'";
  const std::string server = conductor::testing::postgres_server_url();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (conductor::testing::postgres_admin(server, sql) != "1") {
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
  return true;
}

TEST_CASE("postgres: a pool hears other pools' pushes only while it waits, and looks again when it begins") {
  PostgresSchema schema;
  auto waiting = open_postgres({.url = schema.url(), .pool_size = 2});
  auto pushing = open_postgres({.url = schema.url(), .pool_size = 2});
  Ear ear(*waiting, false);
  push_one(*pushing, "before");  // nobody waits in the other pool: it does not listen
  ear.set_waiting(true);
  REQUIRE(ear.missed(1, std::chrono::seconds(30)));
  REQUIRE(push_until_heard(*pushing, ear, "while waiting"));

  // The last waiter left: a while later the pool stops listening, and hears nothing until it waits again.
  ear.set_waiting(false);
  REQUIRE(stops_listening(schema));
  push_one(*pushing, "after");
  ear.set_waiting(true);
  REQUIRE(ear.missed(2, std::chrono::seconds(30)));
  REQUIRE(push_until_heard(*pushing, ear, "again"));
  const auto heard = ear.queues();
  CHECK(std::count(heard.begin(), heard.end(), "before") == 0);
  CHECK(std::count(heard.begin(), heard.end(), "after") == 0);
}

TEST_CASE("postgres: a push left unannounced reaches no other pool until announced on its own") {
  PostgresSchema schema;
  auto waiting = open_postgres({.url = schema.url(), .pool_size = 2});
  auto pushing = open_postgres({.url = schema.url(), .pool_size = 2});
  Ear ear(*waiting);
  Ear own(*pushing);  // announce() sends from the pushing pool's listener
  REQUIRE(push_until_heard(*pushing, ear, "sync"));
  const std::size_t before = ear.queues().size();
  {
    auto tx = pushing->begin();
    tx->queues().push("kept", "m", 0, 0);
    tx->queues().push("announced", "m", 0, 0);
    tx->skip_announcing("kept");
    tx->commit();
  }
  dynamic_cast<RemotePushes&>(*pushing).announce("late");
  REQUIRE(ear.heard("late", std::chrono::seconds(30)));
  const auto heard = ear.queues();
  CHECK(std::vector<std::string>(heard.begin() + static_cast<std::ptrdiff_t>(before), heard.end()) ==
        std::vector<std::string>{"announced", "late"});
  CHECK(own.queues().empty());  // a pool's own announcements are not reported to it
}

TEST_CASE("postgres: deployments in schemas of their own do not hear each other's pushes") {
  PostgresSchema schema;
  PostgresSchema other_schema;
  auto waiting = open_postgres({.url = schema.url(), .pool_size = 2});
  auto pushing = open_postgres({.url = schema.url(), .pool_size = 2});
  auto other = open_postgres({.url = other_schema.url(), .pool_size = 2});
  Ear ear(*waiting);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    for (Storage* storage : {other.get(), pushing.get()}) {
      auto tx = storage->begin();
      tx->queues().push(storage == other.get() ? "elsewhere" : "here", "m", 0, 0);
      tx->commit();
    }
  } while (!ear.heard("here", std::chrono::milliseconds(200)) && std::chrono::steady_clock::now() < deadline);
  const auto heard = ear.queues();
  REQUIRE_FALSE(heard.empty());
  CHECK(std::all_of(heard.begin(), heard.end(), [](const std::string& q) { return q == "here"; }));
}

TEST_CASE("postgres: processes starting at once migrate the schema once") {
  PostgresSchema schema;
  std::vector<std::thread> threads;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto storage = open_postgres({.url = schema.url(), .pool_size = 1});
      ++opened;
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(opened == 4);
}

TEST_CASE("postgres: connecting fails clearly") {
  CHECK_THROWS_AS(open_postgres({.url = "postgresql://[bad"}), StorageError);
  CHECK_THROWS_AS(open_postgres({.url = unreachable_url()}), UnavailableError);
  std::string server = conductor::testing::postgres_server_url();
  std::string wrong_user = server;
  wrong_user.replace(wrong_user.find("conductor@"), 10, "nobody@");
  CHECK_THROWS_AS(open_postgres({.url = wrong_user}), StorageError);
  CHECK_THROWS_AS(open_postgres({.url = server, .pool_size = 0}), ValidationError);
}
