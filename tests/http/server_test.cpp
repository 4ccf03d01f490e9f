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
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
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
    Reply reply;
    bhttp::read(socket_, buffer_, reply);
    return reply;
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

TEST_CASE("server: blocking handlers run off the io threads", "[http]") {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Router router;
  router.add(Method::kGet, "/api/block", [&](const Request&) {
    entered.set_value();
    released.wait();
    return Response::text("done");
  });
  ServerOptions options = test_options();
  options.io_threads = 1;
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
