// conductor-server killed with SIGKILL under worker load, several times, and restarted on the same
// file: every acknowledged start and update is stored, every started workflow completes, and no
// task whose completion was acknowledged is handed out again.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/storage_fixtures.hpp"

extern char** environ;

namespace {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

/// One conductor-server process; SIGKILLed by kill() or at destruction.
class ServerProcess {
 public:
  explicit ServerProcess(const std::string& db) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> args{CONDUCTOR_SERVER, "--port", "0", "--db", db, "--worker-threads", "4"};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, CONDUCTOR_SERVER, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (rc != 0) throw std::runtime_error("cannot start conductor-server");
    // The first line names the port; the request log after it is read and dropped, so the server
    // never blocks on a full pipe.
    std::promise<int> port;
    auto announced = port.get_future();
    reader_ = std::thread([fd = out[0], port = std::move(port)]() mutable {
      std::string line;
      bool told = false;
      char chunk[4096];
      ssize_t n;
      while ((n = ::read(fd, chunk, sizeof chunk)) > 0) {
        if (told) continue;
        line.append(chunk, static_cast<std::size_t>(n));
        const auto end = line.find('\n');
        if (end == std::string::npos) continue;
        const auto colon = line.rfind(':', line.find("/api"));
        port.set_value(std::stoi(line.substr(colon + 1)));
        told = true;
      }
      ::close(fd);
      if (!told) port.set_exception(std::make_exception_ptr(std::runtime_error("conductor-server did not start")));
    });
    port_ = static_cast<std::uint16_t>(announced.get());
  }
  ~ServerProcess() { kill(); }

  std::uint16_t port() const { return port_; }

  void kill() {
    if (pid_ == 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
    reader_.join();
  }

 private:
  pid_t pid_ = 0;
  std::uint16_t port_ = 0;
  std::thread reader_;
};

/// A blocking client on one connection; throws when the server is gone.
class Client {
 public:
  explicit Client(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }

  bhttp::response<bhttp::string_body> send(bhttp::verb verb, const std::string& target, std::string body = {}) {
    bhttp::request<bhttp::string_body> request{verb, target, 11};
    request.set(bhttp::field::host, "127.0.0.1");
    request.set(bhttp::field::content_type, "application/json");
    request.body() = std::move(body);
    request.prepare_payload();
    bhttp::write(socket_, request);
    bhttp::response<bhttp::string_body> reply;
    bhttp::read(socket_, buffer_, reply);
    return reply;
  }

 private:
  net::io_context io_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

/// What the clients were told, across every server process.
struct Acknowledged {
  std::mutex mutex;
  std::vector<std::string> workflows;  ///< starts answered 200
  /// Task ids whose COMPLETED update was answered 200, with when the update was sent (epoch ms).
  std::map<std::string, std::int64_t> completed;
  std::vector<std::string> handed_out_again;
};

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Polls and completes tasks until the server goes away or `stop` is set.
void work(std::uint16_t port, Acknowledged& acked, std::atomic<bool>& stop, std::atomic<int>& updates) {
  try {
    Client client(port);
    while (!stop) {
      auto polled = client.send(bhttp::verb::get, "/api/tasks/poll/batch/crash_task?count=4&timeout=100&workerid=w");
      if (polled.result_int() != 200) continue;
      const boost::json::value tasks = boost::json::parse(polled.body());
      for (const auto& task : tasks.as_array()) {
        const std::string id(task.at("taskId").as_string());
        {
          std::lock_guard lock(acked.mutex);
          if (acked.completed.count(id) != 0) acked.handed_out_again.push_back(id);
        }
        const std::int64_t sent = epoch_ms();
        boost::json::object result{{"taskId", id},
                                   {"workflowInstanceId", task.at("workflowInstanceId")},
                                   {"status", "COMPLETED"},
                                   {"outputData", {{"done", id}}}};
        if (client.send(bhttp::verb::post, "/api/tasks", boost::json::serialize(result)).result_int() == 200) {
          std::lock_guard lock(acked.mutex);
          acked.completed.emplace(id, sent);
          ++updates;
        }
      }
    }
  } catch (const std::exception&) {
    // The server was killed under us: what was not answered was not acknowledged.
  }
}

/// Starts workflows until the server goes away or `stop` is set.
void start(std::uint16_t port, Acknowledged& acked, std::atomic<bool>& stop, int count) {
  try {
    Client client(port);
    for (int i = 0; i < count && !stop; ++i) {
      auto reply = client.send(bhttp::verb::post, "/api/workflow/crash_flow", R"({"n": 1})");
      if (reply.result_int() == 200) {
        std::lock_guard lock(acked.mutex);
        acked.workflows.push_back(reply.body());
      }
    }
  } catch (const std::exception&) {
  }
}

}  // namespace

TEST_CASE("conductor-server: SIGKILL at random moments under load loses and repeats nothing acknowledged",
          "[server][crash]") {
  conductor::testing::TempDir dir;
  const std::string db = (dir.path() / "crash.db").string();
  std::random_device seed_source;
  const unsigned seed = seed_source();
  INFO("seed " << seed);
  std::mt19937 random(seed);
  Acknowledged acked;

  {
    ServerProcess server(db);
    Client client(server.port());
    REQUIRE(client.send(bhttp::verb::post, "/api/metadata/taskdefs",
                        R"([{"name": "crash_task", "retryCount": 20, "retryLogic": "FIXED",
                             "retryDelaySeconds": 0, "responseTimeoutSeconds": 1}])").result_int() == 200);
    REQUIRE(client.send(bhttp::verb::post, "/api/metadata/workflow", R"({
      "name": "crash_flow", "version": 1, "schemaVersion": 2,
      "tasks": [{"name": "crash_task", "taskReferenceName": "first", "type": "SIMPLE"},
                {"name": "crash_task", "taskReferenceName": "second", "type": "SIMPLE"}]})").result_int() == 200);
  }

  constexpr int kKills = 4;
  for (int round = 0; round <= kKills; ++round) {
    ServerProcess server(db);
    {
      // Everything acknowledged before the last kill is there.
      Client client(server.port());
      std::lock_guard lock(acked.mutex);
      for (const auto& id : acked.workflows) {
        INFO("workflow " << id);
        CHECK(client.send(bhttp::verb::get, "/api/workflow/" + id + "?includeTasks=false").result_int() == 200);
      }
      for (const auto& [id, sent] : acked.completed) {
        INFO("task " << id);
        auto reply = client.send(bhttp::verb::get, "/api/tasks/" + id);
        REQUIRE(reply.result_int() == 200);
        const auto task = boost::json::parse(reply.body());
        const auto& status = task.at("status").as_string();
        // A result for a task that had already timed out is acknowledged and ignored, as in
        // Conductor; it must have timed out before the result was sent, or the result was lost.
        if (status == "TIMED_OUT") {
          CHECK(task.at("endTime").to_number<std::int64_t>() <= sent);
        } else {
          CHECK(status == "COMPLETED");
        }
      }
    }
    std::atomic<bool> stop{false};
    std::atomic<int> updates{0};
    std::thread starter(start, server.port(), std::ref(acked), std::ref(stop), 15);
    std::vector<std::thread> workers;
    for (int i = 0; i < 3; ++i) {
      workers.emplace_back(work, server.port(), std::ref(acked), std::ref(stop), std::ref(updates));
    }
    // A guard against a hang, not a timing expectation.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    if (round < kKills) {
      // The kill lands after a random number of acknowledged updates: mid-start, mid-poll or mid-update.
      const int after = std::uniform_int_distribution<int>(1, 12)(random);
      while (updates < after && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
      server.kill();
      starter.join();
    } else {
      // The last server runs until every acknowledged workflow has completed.
      starter.join();
      Client client(server.port());
      std::vector<std::string> pending;
      do {
        pending.clear();
        std::vector<std::string> ids;
        {
          std::lock_guard lock(acked.mutex);
          ids = acked.workflows;
        }
        for (const auto& id : ids) {
          auto reply = client.send(bhttp::verb::get, "/api/workflow/" + id + "?includeTasks=false");
          if (boost::json::parse(reply.body()).at("status").as_string() != "COMPLETED") pending.push_back(id);
        }
      } while (!pending.empty() && std::chrono::steady_clock::now() < give_up);
      INFO("still running: " << pending.size());
      CHECK(pending.empty());
    }
    stop = true;
    for (auto& worker : workers) worker.join();
  }
  CHECK(acked.handed_out_again.empty());
  CHECK(acked.workflows.size() >= 15);
}
