#include "http/router.hpp"

#include <conductor/engine.hpp>
#include <conductor/error.hpp>
#include <conductor/http/server.hpp>
#include <conductor/storage/sqlite.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <optional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace conductor;
using namespace conductor::http;
using namespace std::chrono_literals;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

using Reply = bhttp::response<bhttp::string_body>;
using Outgoing = bhttp::request<bhttp::string_body>;

/// A blocking HTTP/1.1 client on one connection, so tests control exactly what goes on the wire.
class Client {
 public:
  explicit Client(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }

  Reply send(Outgoing request) {
    request.set(bhttp::field::host, "127.0.0.1");
    if (!request.chunked()) request.prepare_payload();
    bhttp::write(socket_, request);
    return read();
  }

  Reply send(bhttp::verb verb, std::string target, std::string body = {}) {
    Outgoing request{verb, target, 11};
    request.body() = std::move(body);
    return send(std::move(request));
  }

  Reply read() {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(boost::none);  // the server's answers are what is under test, at any size
    bhttp::read(socket_, buffer_, parser);
    return parser.release();
  }

  void write_raw(std::string_view bytes) { net::write(socket_, net::buffer(bytes.data(), bytes.size())); }

  /// Blocks until the server closes the connection; true when it did so without sending anything.
  bool closed_without_data() {
    char byte;
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(net::buffer(&byte, 1), ec);
    return n == 0 && (ec == net::error::eof || ec == net::error::connection_reset);
  }

 private:
  net::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

ServerOptions test_options() {
  ServerOptions options;
  options.port = 0;
  options.worker_threads = 2;
  return options;
}

Response echo(const Request& request) {
  JsonObject body;
  body["method"] = to_string(request.method());
  body["id"] = request.path_param("id");
  body["x"] = request.query("x", "");
  body["body"] = request.body();
  return Response::json(body);
}

Router echo_router() {
  Router router;
  router.add(Method::kGet, "/api/echo/{id}", echo);
  router.add(Method::kPost, "/api/echo/{id}", echo);
  router.add(Method::kPost, "/api/parse", [](const Request& request) {
    return Response::json(request.json());
  });
  return router;
}

Json json_of(const Reply& reply) { return boost::json::parse(reply.body()); }

/// A request that waits parked until the test wakes it or its deadline passes; counts its tries so
/// the test can wait until every request is parked (a condition, not a sleep).
class Parked {
 public:
  /// Answers `GET /api/wait/{id}` after a wake (the id as text) or at the deadline (408 text).
  Router router(std::chrono::milliseconds wait = 60s) {
    Router router = echo_router();
    router.add(Method::kGet, "/api/wait/{id}", [this, wait](const Request& request) {
      return Response::wait(std::make_shared<Waiter>(*this, request.path_param("id"), wait));
    });
    return router;
  }

  /// Blocks until `count` requests have made their first try and armed their wake.
  void wait_until_parked(std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return wakes_.size() >= count; });
  }
  /// Wakes every parked request once; each answers at its next try.
  void wake_all() {
    std::vector<std::function<void()>> wakes;
    {
      std::lock_guard lock(mutex_);
      wakes.swap(wakes_);
      ready_ = true;
    }
    for (auto& wake : wakes) wake();
  }
  std::size_t disarmed() const { return disarmed_; }

 private:
  class Waiter final : public Pending {
   public:
    Waiter(Parked& owner, std::string id, std::chrono::milliseconds wait)
        : owner_(owner), id_(std::move(id)), deadline_(std::chrono::steady_clock::now() + wait) {}
    std::chrono::steady_clock::time_point deadline() const override { return deadline_; }
    std::optional<Response> attempt(std::function<void()> wake, bool last) override {
      if (last) return Response::text("deadline " + id_, 408);
      std::lock_guard lock(owner_.mutex_);
      if (owner_.ready_) return Response::text(id_);
      owner_.wakes_.push_back(std::move(wake));
      owner_.changed_.notify_all();
      return std::nullopt;
    }
    std::optional<std::chrono::steady_clock::time_point> recheck_at() const override { return std::nullopt; }
    void disarm() override { ++owner_.disarmed_; }

   private:
    Parked& owner_;
    std::string id_;
    std::chrono::steady_clock::time_point deadline_;
  };

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::function<void()>> wakes_;
  bool ready_ = false;
  std::atomic<std::size_t> disarmed_{0};
};

/// Sends `bytes` as they are and reads everything until the server closes: the status of each
/// response found (a response smuggled in the body would show as a second one).
std::vector<unsigned> raw_exchange(std::uint16_t port, std::string_view bytes) {
  net::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  net::write(socket, net::buffer(bytes.data(), bytes.size()));
  beast::flat_buffer buffer;
  std::vector<unsigned> statuses;
  for (;;) {
    Reply reply;
    boost::system::error_code ec;
    bhttp::read(socket, buffer, reply, ec);
    if (ec) break;  // end of stream: the server closed the connection
    statuses.push_back(reply.result_int());
    INFO(reply.body());
    CHECK_NOTHROW(boost::json::parse(reply.body()));
    CHECK_FALSE(reply.keep_alive());
  }
  return statuses;
}

}  // namespace

TEST_CASE("server: a handler answers over loopback and each call is logged", "[http]") {
  std::mutex mutex;
  std::vector<std::string> log;
  ServerOptions options = test_options();
  options.request_log = [&](const RequestLogEntry& entry) {
    std::lock_guard lock(mutex);
    log.push_back(std::string(entry.method) + " " + std::string(entry.path) + " " + std::to_string(entry.status));
  };
  Server server(options, echo_router());
  const std::uint16_t port = server.start();
  REQUIRE(port != 0);

  Client client(port);
  const Reply reply = client.send(bhttp::verb::get, "/api/echo/w%201?x=y");
  CHECK(reply.result_int() == 200);
  CHECK(reply[bhttp::field::content_type] == "application/json");
  CHECK(json_of(reply) == boost::json::parse(R"({"method":"GET","id":"w 1","x":"y","body":""})"));

  const Reply health = client.send(bhttp::verb::get, "/health");
  CHECK(health.result_int() == 200);
  CHECK(json_of(health).at("healthy") == true);

  const Reply missing = client.send(bhttp::verb::get, "/api/nope");
  CHECK(missing.result_int() == 404);
  CHECK(json_of(missing).at("status") == 404);

  server.stop();
  std::lock_guard lock(mutex);
  CHECK(log == std::vector<std::string>{"GET /api/echo/w%201 200", "GET /health 200", "GET /api/nope 404"});
}

TEST_CASE("server: keep-alive serves several requests on one connection", "[http]") {
  Server server(test_options(), echo_router());
  Client client(server.start());
  for (int i = 0; i < 3; ++i) {
    const Reply reply = client.send(bhttp::verb::post, "/api/echo/" + std::to_string(i), "body " + std::to_string(i));
    REQUIRE(reply.result_int() == 200);
    CHECK(reply.keep_alive());
    CHECK(json_of(reply).at("id") == Json(std::to_string(i)));
    CHECK(json_of(reply).at("body") == Json("body " + std::to_string(i)));
  }
  // A client that asks to close gets its answer, then the server closes.
  Outgoing last{bhttp::verb::get, "/api/echo/last", 11};
  last.keep_alive(false);
  const Reply reply = client.send(std::move(last));
  CHECK(reply.result_int() == 200);
  CHECK_FALSE(reply.keep_alive());
  CHECK(client.closed_without_data());
}

TEST_CASE("server: chunked request bodies are accepted", "[http]") {
  Server server(test_options(), echo_router());
  Client client(server.start());
  // What the JavaScript SDK sends: Transfer-Encoding chunked and no Content-Length.
  client.write_raw(
      "POST /api/parse HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
      "8\r\n{\"name\":\r\n9\r\n \"chunky\"\r\n1\r\n}\r\n0\r\n\r\n");
  const Reply reply = client.read();
  CHECK(reply.result_int() == 200);
  CHECK(json_of(reply) == boost::json::parse(R"({"name":"chunky"})"));
  CHECK(client.send(bhttp::verb::get, "/api/health").result_int() == 200);  // still usable
}

TEST_CASE("server: Expect 100-continue is answered before the body is sent", "[http]") {
  Server server(test_options(), echo_router());
  Client client(server.start());
  client.write_raw("POST /api/echo/e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  const Reply interim = client.read();
  CHECK(interim.result_int() == 100);
  client.write_raw("hello");
  const Reply reply = client.read();
  CHECK(reply.result_int() == 200);
  CHECK(json_of(reply).at("body") == "hello");
}

TEST_CASE("server: a body over the limit is answered 413 and the connection closed", "[http]") {
  ServerOptions options = test_options();
  options.max_body_bytes = 1024;
  Server server(options, echo_router());
  const std::uint16_t port = server.start();

  SECTION("declared by Content-Length") {
    Client client(port);
    const Reply reply = client.send(bhttp::verb::post, "/api/echo/big", std::string(4096, 'a'));
    CHECK(reply.result_int() == 413);
    CHECK(json_of(reply).at("status") == 413);
    CHECK_FALSE(reply.keep_alive());
    CHECK(client.closed_without_data());
  }
  SECTION("discovered while reading a chunked body") {
    Client client(port);
    Outgoing request{bhttp::verb::post, "/api/echo/big", 11};
    request.chunked(true);
    request.body() = std::string(4096, 'b');
    const Reply reply = client.send(std::move(request));
    CHECK(reply.result_int() == 413);
    CHECK(client.closed_without_data());
  }
  SECTION("a body at the limit is fine") {
    Client client(port);
    CHECK(client.send(bhttp::verb::post, "/api/echo/ok", std::string(1024, 'c')).result_int() == 200);
  }
}

TEST_CASE("server: headers over the limit are answered 431", "[http]") {
  ServerOptions options = test_options();
  options.max_header_bytes = 1024;
  Server server(options, echo_router());
  Client client(server.start());
  Outgoing request{bhttp::verb::get, "/api/echo/h", 11};
  request.set("X-Padding", std::string(2048, 'p'));
  const Reply reply = client.send(std::move(request));
  CHECK(reply.result_int() == 431);
  CHECK(client.closed_without_data());
}

TEST_CASE("server: a slow client is disconnected after the read timeout", "[http]") {
  ServerOptions options = test_options();
  options.read_timeout = 300ms;
  options.idle_timeout = 300ms;
  Server server(options, echo_router());
  const std::uint16_t port = server.start();

  SECTION("half the headers, then silence") {
    Client client(port);
    client.write_raw("GET /api/echo/slow HTTP/1.1\r\nHost: x\r\n");
    const auto begin = std::chrono::steady_clock::now();
    CHECK(client.closed_without_data());
    const auto waited = std::chrono::steady_clock::now() - begin;
    CHECK(waited >= 200ms);
    CHECK(waited < 5s);
  }
  SECTION("an idle kept-alive connection") {
    Client client(port);
    CHECK(client.send(bhttp::verb::get, "/health").result_int() == 200);
    CHECK(client.closed_without_data());
  }
}

TEST_CASE("server: a malformed JSON body handed to a parsing handler is a 400", "[http]") {
  Server server(test_options(), echo_router());
  Client client(server.start());
  const Reply reply = client.send(bhttp::verb::post, "/api/parse", "{\"name\": tru");
  CHECK(reply.result_int() == 400);
  const Json body = json_of(reply);
  CHECK(body.at("status") == 400);
  CHECK(body.at("retryable") == false);
  CHECK(reply.keep_alive());  // an error answer does not cost the connection
  CHECK(client.send(bhttp::verb::post, "/api/parse", "[]").result_int() == 200);
}

TEST_CASE("server: a malformed request line is a 400", "[http]") {
  Server server(test_options(), echo_router());
  Client client(server.start());
  client.write_raw("GET /health HTTP/1.1\r\nHost x\r\n\r\n");
  CHECK(client.read().result_int() == 400);
}

TEST_CASE("server: blocking handlers run off the io threads and write their own answers", "[http]") {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::mutex mutex;
  std::thread::id handler_thread;
  std::thread::id log_thread;
  Router router;
  router.add(Method::kGet, "/api/block", [&](const Request&) {
    {
      std::lock_guard lock(mutex);
      handler_thread = std::this_thread::get_id();
    }
    entered.set_value();
    released.wait();
    return Response::text("done");
  });
  ServerOptions options = test_options();
  options.io_threads = 1;
  options.request_log = [&](const RequestLogEntry& entry) {
    std::lock_guard lock(mutex);
    if (entry.path == "/api/block") log_thread = std::this_thread::get_id();
  };
  Server server(options, std::move(router));
  const std::uint16_t port = server.start();

  auto blocked = std::async(std::launch::async, [port] { return Client(port).send(bhttp::verb::get, "/api/block"); });
  entered.get_future().wait();
  // The single io thread is free while the handler blocks: another connection is served.
  CHECK(Client(port).send(bhttp::verb::get, "/health").result_int() == 200);
  release.set_value();
  const Reply reply = blocked.get();
  CHECK(reply.result_int() == 200);
  CHECK(reply[bhttp::field::content_type] == "text/plain; charset=utf-8");
  CHECK(reply.body() == "done");
  server.stop();
  // The io thread had left the connection (it served the other one since), so the handler's
  // thread wrote the answer itself; the log is called where the answer was written.
  std::lock_guard lock(mutex);
  CHECK(log_thread == handler_thread);
}

TEST_CASE("server: an answer larger than the socket takes at once arrives whole", "[http]") {
  // More than loopback's largest send and receive buffers together, so part of it waits for the
  // client to read.
  const std::string big = [] {
    std::string text(32 << 20, ' ');
    for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>('a' + i % 26);
    return text;
  }();
  std::promise<void> answered;
  Router router;
  router.add(Method::kGet, "/api/big", [&](const Request&) {
    answered.set_value();
    return Response::text(big);
  });
  Server server(test_options(), std::move(router));
  Client client(server.start());
  client.write_raw("GET /api/big HTTP/1.1\r\nHost: x\r\n\r\n");
  answered.get_future().wait();  // nothing is read until the handler has answered
  const Reply reply = client.read();
  CHECK(reply.result_int() == 200);
  CHECK(reply.body().size() == big.size());
  CHECK(reply.body() == big);
  CHECK(client.send(bhttp::verb::get, "/health").result_int() == 200);  // the connection carries on
}

TEST_CASE("server: stop lets an in-flight request finish, then refuses connections", "[http]") {
  std::promise<void> entered;
  std::atomic<bool> finished{false};
  Router router;
  router.add(Method::kGet, "/api/slow", [&](const Request&) {
    entered.set_value();
    std::this_thread::sleep_for(300ms);  // stands for a long poll
    finished = true;
    return Response::text("finished");
  });
  Server server(test_options(), std::move(router));
  const std::uint16_t port = server.start();

  Client idle(port);  // connected but sending nothing: closed by stop
  auto slow = std::async(std::launch::async, [port] { return Client(port).send(bhttp::verb::get, "/api/slow"); });
  entered.get_future().wait();
  server.stop();
  CHECK(finished);
  const Reply reply = slow.get();
  CHECK(reply.result_int() == 200);
  CHECK(reply.body() == "finished");
  CHECK_FALSE(reply.keep_alive());
  CHECK(idle.closed_without_data());
  CHECK_THROWS(Client(port));
  server.stop();  // idempotent
}

TEST_CASE("server: the bearer token is required everywhere but health", "[http]") {
  ServerOptions options = test_options();
  options.bearer_token = "s3cret";
  Server server(options, echo_router());
  Client client(server.start());

  const Reply denied = client.send(bhttp::verb::get, "/api/echo/1");
  CHECK(denied.result_int() == 401);
  CHECK(json_of(denied).at("status") == 401);
  CHECK(client.send(bhttp::verb::get, "/health").result_int() == 200);
  CHECK(client.send(bhttp::verb::get, "/api/health").result_int() == 200);

  Outgoing bearer{bhttp::verb::get, "/api/echo/1", 11};
  bearer.set(bhttp::field::authorization, "Bearer s3cret");
  CHECK(client.send(std::move(bearer)).result_int() == 200);

  Outgoing login{bhttp::verb::post, "/api/token", 11};
  login.body() = R"({"keyId":"any","keySecret":"s3cret"})";
  const Reply token = client.send(std::move(login));
  REQUIRE(token.result_int() == 200);
  Outgoing sdk{bhttp::verb::get, "/api/echo/2", 11};
  sdk.set("X-Authorization", std::string(json_of(token).at("token").as_string()));
  CHECK(client.send(std::move(sdk)).result_int() == 200);
}

TEST_CASE("server: without auth /api/token is a 404", "[http]") {
  Server server(test_options(), echo_router());
  Client client(server.start());
  CHECK(client.send(bhttp::verb::post, "/api/token", R"({"keyId":"k","keySecret":"s"})").result_int() == 404);
}

TEST_CASE("server: a port in use is a clear error", "[http]") {
  Server first(test_options(), echo_router());
  ServerOptions options = test_options();
  options.port = first.start();
  Server second(options, echo_router());
  try {
    second.start();
    FAIL("start() should have thrown");
  } catch (const UnavailableError& error) {
    CHECK(std::string(error.what()).find("127.0.0.1:" + std::to_string(options.port)) != std::string::npos);
  }
  CHECK_THROWS_AS(first.start(), std::logic_error);
}

TEST_CASE("server: an engine's REST API is served over loopback", "[http]") {
  Engine engine({.storage = open_sqlite({}), .background = false});
  Server server(test_options(), engine);
  Client client(server.start());

  CHECK(client.send(bhttp::verb::post, "/api/metadata/taskdefs", R"([{"name": "t"}])").result_int() == 200);
  CHECK(client.send(bhttp::verb::post, "/api/metadata/workflow",
                    R"({"name": "w", "tasks": [{"name": "t", "taskReferenceName": "t"}]})")
            .result_int() == 200);
  const Reply started = client.send(bhttp::verb::post, "/api/workflow/w", "{}");
  REQUIRE(started.result_int() == 200);
  CHECK(started[bhttp::field::content_type].starts_with("text/plain"));
  const Reply workflow = client.send(bhttp::verb::get, "/api/workflow/" + started.body());
  CHECK(json_of(workflow).at("status") == "RUNNING");
  CHECK(client.send(bhttp::verb::get, "/api/health").result_int() == 200);
  CHECK(client.send(bhttp::verb::get, "/api/workflow/nope").result_int() == 404);
}

TEST_CASE("server: parked requests hold no thread, a wake or the deadline answers each", "[http]") {
  constexpr std::size_t kWaiting = 300;
  Parked parked;
  ServerOptions options = test_options();
  options.worker_threads = 1;
  options.max_waiting_polls = kWaiting;
  options.max_waiting_polls_per_client = kWaiting;
  options.max_connections_per_client = kWaiting + 2;
  Server server(options, parked.router());
  const std::uint16_t port = server.start();

  std::vector<std::unique_ptr<Client>> clients;
  for (std::size_t i = 0; i < kWaiting; ++i) {
    clients.push_back(std::make_unique<Client>(port));
    clients.back()->write_raw("GET /api/wait/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  parked.wait_until_parked(kWaiting);
  // All of them wait, and the only worker thread still serves another request.
  Client other(port);
  CHECK(other.send(bhttp::verb::get, "/api/echo/x").result_int() == 200);
  const Reply refused = other.send(bhttp::verb::get, "/api/wait/one-too-many");
  CHECK(refused.result_int() == 503);
  CHECK(refused[bhttp::field::retry_after] == "1");
  CHECK(json_of(refused).at("status") == 503);
  CHECK(refused.keep_alive());

  parked.wake_all();
  for (std::size_t i = 0; i < kWaiting; ++i) {
    const Reply reply = clients[i]->read();
    CHECK(reply.result_int() == 200);
    CHECK(reply.body() == std::to_string(i));
    CHECK(reply.keep_alive());
  }
  CHECK(parked.disarmed() == kWaiting);
  // Every place is free again.
  CHECK(other.send(bhttp::verb::get, "/api/wait/again").body() == "again");
}

TEST_CASE("server: a parked request answers at its deadline, or at stop", "[http]") {
  Parked parked;
  SECTION("deadline") {
    Server server(test_options(), parked.router(10ms));
    Client client(server.start());
    const Reply reply = client.send(bhttp::verb::get, "/api/wait/late");
    CHECK(reply.result_int() == 408);
    CHECK(reply.body() == "deadline late");
  }
  SECTION("stop") {
    Server server(test_options(), parked.router());
    const std::uint16_t port = server.start();
    Client client(port);
    client.write_raw("GET /api/wait/s HTTP/1.1\r\nHost: x\r\n\r\n");
    parked.wait_until_parked(1);
    server.stop();
    const Reply reply = client.read();
    CHECK(reply.result_int() == 408);
    CHECK_FALSE(reply.keep_alive());
  }
}

TEST_CASE("server: one client's waiting polls and connections are bounded", "[http]") {
  Parked parked;
  ServerOptions options = test_options();
  options.max_waiting_polls_per_client = 2;
  options.max_connections_per_client = 4;
  Server server(options, parked.router());
  const std::uint16_t port = server.start();

  Client first(port);
  Client second(port);
  first.write_raw("GET /api/wait/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  second.write_raw("GET /api/wait/2 HTTP/1.1\r\nHost: x\r\n\r\n");
  parked.wait_until_parked(2);
  Client third(port);
  const Reply refused = third.send(bhttp::verb::get, "/api/wait/3");
  CHECK(refused.result_int() == 429);
  CHECK(std::string(json_of(refused).at("message").as_string()).find("127.0.0.1") != std::string::npos);
  CHECK(refused.keep_alive());

  Client fourth(port);
  CHECK(fourth.send(bhttp::verb::get, "/api/echo/4").result_int() == 200);
  // The fifth connection is one too many: answered 429 before it sends anything, then closed.
  Client fifth(port);
  const Reply closed = fifth.read();
  CHECK(closed.result_int() == 429);
  CHECK(json_of(closed).at("status") == 429);
  CHECK_FALSE(closed.keep_alive());
  CHECK(fifth.closed_without_data());

  parked.wake_all();
  CHECK(first.read().body() == "1");
  CHECK(second.read().body() == "2");
  CHECK(third.send(bhttp::verb::get, "/api/wait/3").body() == "3");
}

TEST_CASE("server: framing RFC 9112 refuses is answered and the connection closed, unread", "[http]") {
  Server server(test_options(), echo_router());
  const std::uint16_t port = server.start();
  // Each request carries a second one where another hop could read a body: it must never run.
  const std::string smuggled = "GET /api/echo/smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto post = [&](std::string_view version, std::string_view headers, std::string body) {
    return "POST /api/echo/1 HTTP/" + std::string(version) + "\r\nHost: x\r\n" + std::string(headers) + "\r\n" + body;
  };
  const std::string chunk = "0\r\n\r\n";
  const std::string sized = std::to_string(smuggled.size());

  CHECK(raw_exchange(port, post("1.1", "Transfer-Encoding: gzip\r\n", smuggled)) == std::vector<unsigned>{501});
  CHECK(raw_exchange(port, post("1.1", "Transfer-Encoding: identity\r\n", smuggled)) == std::vector<unsigned>{501});
  CHECK(raw_exchange(port, post("1.1", "Transfer-Encoding: gzip, chunked\r\n", chunk + smuggled)) ==
        std::vector<unsigned>{501});
  CHECK(raw_exchange(port, post("1.1", "Transfer-Encoding: chunked, chunked\r\n", chunk + smuggled)) ==
        std::vector<unsigned>{400});
  CHECK(raw_exchange(port, post("1.1", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                                chunk + smuggled)) == std::vector<unsigned>{400});
  CHECK(raw_exchange(port, post("1.1", "Transfer-Encoding: ,\r\n", smuggled)) == std::vector<unsigned>{400});
  CHECK(raw_exchange(port, post("1.1", "Content-Length: 0\r\nContent-Length: " + sized + "\r\n", smuggled)) ==
        std::vector<unsigned>{400});
  CHECK(raw_exchange(port, post("1.1", "Content-Length: 0, 0\r\n", smuggled)) == std::vector<unsigned>{400});
  CHECK(raw_exchange(port, post("1.1", "Content-Length: 0\r\nContent-Length: 0\r\n", smuggled)) ==
        std::vector<unsigned>{400});
  CHECK(raw_exchange(port, post("1.1", "Content-Length: " + sized + "\r\nTransfer-Encoding: chunked\r\n",
                                chunk + smuggled)) == std::vector<unsigned>{400});
  CHECK(raw_exchange(port, post("1.1", "Transfer-Encoding: gzip\r\nContent-Length: " + sized + "\r\n", smuggled)) ==
        std::vector<unsigned>{400});
  CHECK(raw_exchange(port, post("1.0", "Transfer-Encoding: chunked\r\n", chunk + smuggled)) ==
        std::vector<unsigned>{400});
  CHECK(raw_exchange(port, post("1.1", "Content-Length: -1\r\n", smuggled)) == std::vector<unsigned>{400});

  // Well-framed requests still share a connection.
  Client client(port);
  client.write_raw(post("1.1", "Transfer-Encoding: chunked\r\n", chunk) + "GET /api/echo/2 HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(client.read().result_int() == 200);
  CHECK(json_of(client.read()).at("id") == "2");
}

TEST_CASE("server: hundreds of waiting long polls while starts and updates answer", "[http]") {
  constexpr int kPolls = 300;
  Engine engine({.storage = open_sqlite({}), .background = false});
  ServerOptions options = test_options();
  options.worker_threads = 2;
  options.max_waiting_polls = kPolls;
  options.max_waiting_polls_per_client = kPolls;
  options.max_connections_per_client = kPolls + 1;
  Server server(options, engine);
  const std::uint16_t port = server.start();
  Client api(port);
  REQUIRE(api.send(bhttp::verb::post, "/api/metadata/workflow",
                   R"({"name": "w", "tasks": [{"name": "work", "taskReferenceName": "work"}]})")
              .result_int() == 200);

  // Most polls wait on types nobody schedules; the last one on the type the workflow schedules.
  std::vector<std::unique_ptr<Client>> pollers;
  for (int i = 0; i < kPolls; ++i) {
    pollers.push_back(std::make_unique<Client>(port));
    const std::string type = i + 1 == kPolls ? "work" : "idle" + std::to_string(i);
    pollers.back()->write_raw("GET /api/tasks/poll/batch/" + type + "?count=1&timeout=3000&workerid=p" +
                              std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  const Reply health = api.send(bhttp::verb::get, "/health");
  CHECK(health.result_int() == 200);
  const Reply started = api.send(bhttp::verb::post, "/api/workflow/w", "{}");
  REQUIRE(started.result_int() == 200);

  // The push wakes the waiting poll of its type, which hands the task out.
  const Reply handed = pollers.back()->read();
  REQUIRE(handed.result_int() == 200);
  const Json tasks = json_of(handed);
  REQUIRE(tasks.as_array().size() == 1);
  const std::string task_id(tasks.at(0).at("taskId").as_string());
  const Reply updated = api.send(bhttp::verb::post, "/api/tasks",
                                 R"({"workflowInstanceId": ")" + started.body() + R"(", "taskId": ")" + task_id +
                                     R"(", "status": "COMPLETED"})");
  CHECK(updated.result_int() == 200);
  CHECK(json_of(api.send(bhttp::verb::get, "/api/workflow/" + started.body())).at("status") == "COMPLETED");

  // Every other poll comes back empty when its timeout passes.
  for (int i = 0; i + 1 < kPolls; ++i) {
    const Reply reply = pollers[static_cast<std::size_t>(i)]->read();
    CHECK(reply.result_int() == 200);
    CHECK(json_of(reply).as_array().empty());
  }
}

TEST_CASE("server: a waiting long poll takes a delayed task when it becomes visible", "[http]") {
  Engine engine({.storage = open_sqlite({}), .background = false});
  Server server(test_options(), engine);
  Client client(server.start());
  REQUIRE(client.send(bhttp::verb::post, "/api/metadata/workflow",
                      R"({"name": "w", "tasks": [{"name": "later", "taskReferenceName": "later"}]})")
              .result_int() == 200);
  const std::string id = client.send(bhttp::verb::post, "/api/workflow/w", "{}").body();
  const Json first = json_of(client.send(bhttp::verb::get, "/api/tasks/poll/batch/later?timeout=0"));
  REQUIRE(first.as_array().size() == 1);
  const std::string task_id(first.at(0).at("taskId").as_string());
  // Back in the queue, visible in a second: no push announces that, so the poll's timer must.
  REQUIRE(client.send(bhttp::verb::post, "/api/tasks",
                      R"({"workflowInstanceId": ")" + id + R"(", "taskId": ")" + task_id +
                          R"(", "status": "IN_PROGRESS", "callbackAfterSeconds": 1})")
              .result_int() == 200);
  const Json again = json_of(client.send(bhttp::verb::get, "/api/tasks/poll/batch/later?timeout=5000"));
  REQUIRE(again.as_array().size() == 1);
  CHECK(std::string(again.at(0).at("taskId").as_string()) == task_id);
}

TEST_CASE("server: an execute that cannot be parked is answered at once, not refused for a retry", "[http]") {
  Engine engine({.storage = open_sqlite({}), .background = false});
  ServerOptions options = test_options();
  options.max_waiting_polls = 0;  // nothing may park
  Server server(options, engine);
  Client client(server.start());
  REQUIRE(client.send(bhttp::verb::post, "/api/metadata/workflow",
                      R"({"name": "w", "tasks": [{"name": "t", "taskReferenceName": "t"}]})")
              .result_int() == 200);

  CHECK(client.send(bhttp::verb::get, "/api/tasks/poll/batch/t?timeout=1000").result_int() == 503);
  const Reply executed = client.send(bhttp::verb::post, "/api/workflow/execute/w/1?waitForSeconds=60", "{}");
  REQUIRE(executed.result_int() == 200);
  CHECK(json_of(executed).at("status") == "RUNNING");
  CHECK(json_of(executed).at("signalTimeout") == true);
  CHECK(engine.executor().running_workflow_ids("w").size() == 1);
}
