#pragma once

#include <conductor/export.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace conductor {
class Engine;
}

/// Conductor's REST API over HTTP/1.1 (Boost.Beast), built only with CONDUCTOR_WITH_HTTP.
namespace conductor::http {

class Router;

/// One line of the request log: what was asked, what was answered and how long it took
/// (from the end of reading the request to the end of writing the response).
struct RequestLogEntry {
  std::string_view method;  ///< "GET", "POST", ...; empty when the request line was unreadable
  std::string_view path;    ///< the target without its query string
  int status = 0;
  std::chrono::microseconds duration{0};
};

/// Settings of a Server; every field has a usable default.
struct ServerOptions {
  /// Address to listen on. The default keeps the API off the network; use "0.0.0.0" to expose it.
  std::string host = "127.0.0.1";
  /// TCP port; 0 asks the system for a free one, which start() returns.
  std::uint16_t port = 8080;
  /// Threads waiting for network I/O. They never block: one is enough for most hosts. A handler
  /// thread writes its own answer when the socket takes it at once.
  std::size_t io_threads = 1;
  /// Threads running request handlers: short library calls, so this bounds how many are computed
  /// at once; further requests wait in line. A long poll holds none while it waits (see below).
  std::size_t worker_threads = 8;
  /// Long polls waiting at once across the server. A poll that finds nothing waits parked, holding
  /// a connection and a little memory but no thread, until a task is pushed or its timeout passes.
  /// One past the bound is answered 503 at once, with `Retry-After: 1`.
  std::size_t max_waiting_polls = 2048;
  /// Open connections per client address. The connection past it is answered 429 as soon as it is
  /// accepted, before its request is read, and closed. Behind a proxy every client shares the
  /// proxy's address: raise this (and the next) to what the proxy may open.
  std::size_t max_connections_per_client = 512;
  /// Long polls waiting at once per client address, within max_waiting_polls; one past it is
  /// answered 429 at once (the connection stays open).
  std::size_t max_waiting_polls_per_client = 512;
  /// Larger request bodies are answered 413 and the connection is closed.
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  /// Larger request lines plus headers are answered 431 and the connection is closed.
  std::size_t max_header_bytes = 16 * 1024;
  /// Bound on reading one request (from its first byte, or from the connection's opening for the
  /// first request) and on writing one response; a slower client is disconnected.
  std::chrono::milliseconds read_timeout{30'000};
  /// How long a kept-alive connection may sit idle between requests before it is closed.
  std::chrono::milliseconds idle_timeout{60'000};
  /// When set, every route except /health and /api/health requires this token, sent as
  /// `Authorization: Bearer <token>` or as the raw value of `X-Authorization` (the SDKs' header);
  /// `POST /api/token` then exchanges `{"keySecret": TOKEN}` for `{"token": TOKEN}`. When unset,
  /// there is no auth and `/api/token` answers 404, which the SDKs read as "no auth".
  std::optional<std::string> bearer_token;
  /// Called once per answered request, on the thread that wrote the answer (a network or a handler
  /// thread): keep it short and thread-safe.
  std::function<void(const RequestLogEntry&)> request_log;
  /// When set, `GET /metrics` answers what it returns as Prometheus' text exposition format (for
  /// instance PrometheusMetrics::text). Behind the bearer token like every other route.
  std::function<std::string()> metrics;
  /// Serve the built-in web page at `/` (search, diagrams, operations; docs/operations.md). Its
  /// files are open without the bearer token; the page asks for the token for its API calls.
  bool web_page = false;
};

/// An HTTP server for a routing table: accepts connections on io threads, runs handlers on a
/// separate worker pool, and writes each response back on its connection's strand.
///
/// Also serves `GET /health` and `GET /api/health` and, with a bearer token, `POST /api/token`.
/// Not copyable or movable. start() and stop() may be called from any thread except the
/// server's own (a handler must not stop its server); the destructor stops.
///
///   conductor::Engine engine({.storage = conductor::open_sqlite({.path = "conductor.db"})});
///   conductor::http::Server server({.port = 8080}, engine);
///   std::uint16_t port = server.start();
///   ...
///   server.stop();
class CONDUCTOR_EXPORT Server {
 public:
  /// Serves Conductor's REST API (api.md section 1) for `engine`, which must outlive the server.
  Server(ServerOptions options, Engine& engine);
  /// Serves `router`, the adapter's routing table (lib/http/router.hpp). Throws
  /// std::invalid_argument when `router` already holds a route the server serves itself.
  Server(ServerOptions options, Router router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds, starts the threads and returns the bound port (useful with port 0). Throws
  /// UnavailableError when the address cannot be bound (port in use), ValidationError for an
  /// unusable host, std::logic_error when called twice.
  std::uint16_t start();

  /// Graceful stop: stops accepting, closes idle connections, lets requests already being handled
  /// finish and write their response (with `Connection: close`), then joins every thread.
  /// Blocks until then. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace conductor::http
