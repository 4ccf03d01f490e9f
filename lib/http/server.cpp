#include <conductor/http/server.hpp>

#include "http/gateway.hpp"
#include "http/router.hpp"
#include "http/routes.hpp"
#include "http/session.hpp"

#include <conductor/error.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace conductor::http {
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct Server::Impl {
  enum class Phase { kCreated, kRunning, kStopped };

  Impl(ServerOptions server_options, Router router)
      : options(std::move(server_options)), gateway(with_server_routes(std::move(router), options), options.bearer_token) {}

  static Router with_server_routes(Router router, const ServerOptions& options) {
    if (options.metrics) add_metrics_route(router, options.metrics);
    if (options.web_page) add_web_page_routes(router);
    return router;
  }

  tcp::endpoint resolve_endpoint() {
    boost::system::error_code ec;
    const net::ip::address address = net::ip::make_address(options.host, ec);
    if (!ec) return {address, options.port};
    tcp::resolver resolver(*io);
    const auto results = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec || results.empty()) {
      throw ValidationError("cannot resolve host '" + options.host + "': " + ec.message());
    }
    return results.begin()->endpoint();
  }

  std::uint16_t start() {
    std::lock_guard lock(mutex);
    if (phase != Phase::kCreated) throw std::logic_error("conductor::http::Server can be started only once");
    const std::size_t io_thread_count = std::max<std::size_t>(options.io_threads, 1);
    io.emplace(static_cast<int>(io_thread_count));
    const tcp::endpoint endpoint = resolve_endpoint();
    workers.emplace(std::max<std::size_t>(options.worker_threads, 1));
    // Braces: Clang 14 has no parenthesised aggregate initialisation (the fuzz and sanitizer builds).
    context.reset(new detail::SessionContext{options, gateway, *workers});
    try {
      listener = std::make_shared<detail::Listener>(*io, endpoint, *context);
    } catch (const boost::system::system_error& error) {
      workers->join();
      throw UnavailableError("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " +
                             error.code().message());
    }
    work.emplace(io->get_executor());
    listener->start();
    for (std::size_t i = 0; i < io_thread_count; ++i) {
      io_threads.emplace_back([this] { io->run(); });
    }
    phase = Phase::kRunning;
    return listener->port();
  }

  void stop() {
    std::lock_guard lock(mutex);
    if (phase != Phase::kRunning) {
      phase = Phase::kStopped;
      return;
    }
    // Order matters: the flag first, so that a connection accepted from here on closes itself,
    // then the sessions that exist now. The io threads return once the last session is gone.
    context->stopping = true;
    listener->stop();
    for (const auto& session : context->registry.snapshot()) session->shutdown();
    work.reset();
    for (auto& thread : io_threads) thread.join();
    workers->join();
    phase = Phase::kStopped;
  }

  ServerOptions options;
  Gateway gateway;
  std::mutex mutex;  // serializes start() and stop()
  Phase phase = Phase::kCreated;
  std::optional<net::io_context> io;
  std::optional<detail::HandlerPool> workers;
  std::unique_ptr<detail::SessionContext> context;
  std::shared_ptr<detail::Listener> listener;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> io_threads;
};

Server::Server(ServerOptions options, Engine& engine) : Server(std::move(options), make_router(engine)) {}

Server::Server(ServerOptions options, Router router)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router))) {}

Server::~Server() { stop(); }

std::uint16_t Server::start() { return impl_->start(); }

void Server::stop() { impl_->stop(); }

}  // namespace conductor::http
