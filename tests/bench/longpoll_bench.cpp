#include <conductor/codec.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench.hpp"
#include "http_client.hpp"
#include "server_process.hpp"

namespace conductor::bench {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

// The longest timeout a batch poll may ask for: the polls stay parked through the measurement.
constexpr int kPollTimeoutMs = 5000;
// A poll answered later than this past its timeout counts as late.
constexpr double kLateMarginMs = 250;
// How long starts and updates are measured, without polls and then beside them; the second window
// ends well before the parked polls time out.
constexpr auto kQuietWindow = std::chrono::milliseconds(1500);
constexpr auto kBusyWindow = std::chrono::milliseconds(3000);
// Time for the server to read and park the polls once they are sent.
constexpr auto kParkingTime = std::chrono::milliseconds(300);

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

/// One long poll on a connection of its own, sent and answered asynchronously so that one thread
/// holds all of them.
struct ParkedPoll {
  explicit ParkedPoll(asio::io_context& io) : socket(io) {}
  asio::ip::tcp::socket socket;
  boost::beast::flat_buffer buffer;
  http::request<http::empty_body> request;
  http::response<http::string_body> response;
  Clock::time_point sent;
  double answered_after_ms = -1;
  std::string error;
};

/// `count` long polls, each on its own idle task type, answered on a thread of their own.
class ParkedPolls {
 public:
  ParkedPolls(std::uint16_t port, int count) {
    const asio::ip::tcp::endpoint server{asio::ip::make_address_v4("127.0.0.1"), port};
    for (int i = 0; i < count; ++i) {
      auto poll = std::make_unique<ParkedPoll>(io_);
      poll->socket.connect(server);
      poll->request = {http::verb::get,
                       fmt::format("/api/tasks/poll/batch/longpoll_idle_{}?workerid=parked-{}&count=1&timeout={}", i, i,
                                   kPollTimeoutMs),
                       11};
      poll->request.set(http::field::host, "127.0.0.1");
      polls_.push_back(std::move(poll));
    }
    for (auto& poll : polls_) {
      ParkedPoll& p = *poll;
      p.sent = Clock::now();
      http::async_write(p.socket, p.request, [&p](boost::system::error_code ec, std::size_t) {
        if (ec) {
          p.error = ec.message();
          return;
        }
        http::async_read(p.socket, p.buffer, p.response, [&p](boost::system::error_code read_ec, std::size_t) {
          p.answered_after_ms = ms_since(p.sent);
          if (read_ec) p.error = read_ec.message();
        });
      });
    }
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ParkedPolls() {
    if (thread_.joinable()) thread_.join();
  }
  ParkedPolls(const ParkedPolls&) = delete;
  ParkedPolls& operator=(const ParkedPolls&) = delete;

  /// Waits for every answer; throws when a poll failed or was answered with anything but `[]`.
  const std::vector<std::unique_ptr<ParkedPoll>>& answers() {
    thread_.join();
    for (const auto& poll : polls_) {
      if (!poll->error.empty()) throw std::runtime_error("a parked poll failed: " + poll->error);
      if (poll->response.result_int() != 200 || poll->response.body() != "[]")
        throw std::runtime_error(fmt::format("a parked poll was answered HTTP {} {}", poll->response.result_int(),
                                             poll->response.body()));
    }
    return polls_;
  }

 private:
  asio::io_context io_;
  std::vector<std::unique_ptr<ParkedPoll>> polls_;
  std::thread thread_;
};

struct Latencies {
  LatencyHistogram starts;
  LatencyHistogram updates;
};

/// Starts workflows one after another on one connection, and on another polls their tasks and
/// reports each completed with a plain task update, for `window`.
Latencies measure(std::uint16_t port, std::chrono::milliseconds window) {
  Latencies out;
  const auto until = Clock::now() + window;
  std::atomic<bool> starting{true};
  std::thread starter([&] {
    HttpConnection connection(port);
    const std::string target = fmt::format("/api/workflow/{}", kWorkflowName);
    while (Clock::now() < until) {
      const auto at = Clock::now();
      expect_success(connection.post(target, R"({"order":1})"), "start");
      out.starts.add(ms_since(at));
    }
    starting = false;
  });
  HttpConnection worker(port);
  const std::string poll = fmt::format("/api/tasks/poll/batch/{}?workerid=measured&count=1&timeout=100", kTaskType);
  while (starting.load()) {
    HttpReply reply = worker.get(poll);
    expect_success(reply, "poll");
    const auto tasks = boost::json::parse(reply.body);
    for (const auto& held : tasks.as_array()) {
      const auto& task = held.as_object();
      const boost::json::object result{
          {"workflowInstanceId", task.at("workflowInstanceId")},
          {"taskId", task.at("taskId")},
          {"workerId", "measured"},
          {"status", "COMPLETED"},
          {"outputData", {{"done", true}, {"step", task.at("inputData").as_object().at("step")}}}};
      const auto at = Clock::now();
      expect_success(worker.post("/api/tasks", boost::json::serialize(result)), "task update");
      out.updates.add(ms_since(at));
    }
  }
  starter.join();
  return out;
}

void add_latencies(Figures& figures, const std::string& prefix, const Latencies& latencies) {
  figures.push_back({prefix + "_start_p50_ms", latencies.starts.percentile(0.50), "ms"});
  figures.push_back({prefix + "_start_p99_ms", latencies.starts.percentile(0.99), "ms"});
  figures.push_back({prefix + "_update_p50_ms", latencies.updates.percentile(0.50), "ms"});
  figures.push_back({prefix + "_update_p99_ms", latencies.updates.percentile(0.99), "ms"});
}

}  // namespace

Figures run_longpoll(const LongPollConfig& config) {
  if (!http_available()) throw std::runtime_error("conductor-server was not built (CONDUCTOR_WITH_HTTP=OFF)");
  // The server's defaults, as an operator starts it.
  ServerProcess server(server_program(), server_storage(config.storage, config.dir), config.dir / "server.log");
  HttpConnection admin(server.port());
  register_workload(admin);

  const std::string prefix = fmt::format("longpoll_{}", to_string(config.storage));
  Figures figures;
  add_latencies(figures, prefix + "_waiting0", measure(server.port(), kQuietWindow));

  ParkedPolls parked(server.port(), config.waiting_polls);
  std::this_thread::sleep_for(kParkingTime);
  const std::string busy = fmt::format("{}_waiting{}", prefix, config.waiting_polls);
  add_latencies(figures, busy, measure(server.port(), kBusyWindow));

  double latest_ms = 0;
  int late = 0;
  const auto& answers = parked.answers();
  for (const auto& poll : answers) {
    latest_ms = std::max(latest_ms, poll->answered_after_ms);
    if (poll->answered_after_ms > kPollTimeoutMs + kLateMarginMs) ++late;
  }
  server.stop();
  figures.push_back({busy + "_polls_answered", static_cast<double>(answers.size()), "polls"});
  figures.push_back({busy + "_polls_late", static_cast<double>(late), "polls"});
  figures.push_back({busy + "_poll_answer_max_ms", latest_ms, "ms"});
  return figures;
}

}  // namespace conductor::bench
