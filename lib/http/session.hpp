#pragma once

#include "http/gateway.hpp"
#include "http/handler_pool.hpp"

#include <conductor/http/server.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

/// The transport: one Listener accepting connections, one Session per connection.
namespace conductor::http::detail {

class Session;

/// The live sessions, so that stop() can close the idle ones. Thread-safe.
class SessionRegistry {
 public:
  void add(const std::shared_ptr<Session>& session);
  void remove(const Session* session);
  std::vector<std::shared_ptr<Session>> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions_;
};

/// Connections and waiting polls per client address, so that one client cannot take them all.
/// Thread-safe. An address is forgotten as soon as it has neither, so the table holds only the
/// clients connected now.
class ClientTable {
 public:
  enum class Kind { kConnection, kWaitingPoll };
  /// Counts one more of `kind` for `address` unless it already has `limit`; false when refused.
  bool add(Kind kind, const std::string& address, std::size_t limit);
  void remove(Kind kind, const std::string& address);

 private:
  struct Counts {
    std::size_t connections = 0;
    std::size_t waiting_polls = 0;
  };
  static std::size_t& count(Counts& counts, Kind kind);

  std::mutex mutex_;
  std::unordered_map<std::string, Counts> clients_;
};

/// What every session of a server shares. Owned by the server, which joins all threads before
/// destroying it, so sessions hold it by reference.
struct SessionContext {
  const ServerOptions& options;
  const Gateway& gateway;
  HandlerPool& workers;
  std::atomic<bool> stopping{false};
  SessionRegistry registry;
  ClientTable clients;
  /// Long polls waiting across the server, bounded by options.max_waiting_polls.
  std::atomic<std::size_t> waiting_polls{0};
};

/// One HTTP/1.1 connection. All its handlers run on its own strand, so they never overlap even
/// with several io threads; request handlers run on the worker pool, and the worker enters the
/// strand to write the response (a network thread does when the strand is busy). Requests on a
/// connection are answered one at a time, in order.
///
/// A request whose handler answers Pending (a long poll) waits parked: a timer on the strand and a
/// wake-up the Pending arms, no thread. Each try runs on the worker pool.
class Session : public std::enable_shared_from_this<Session> {
 public:
  /// Counts the connection against its client's limit; one past it is answered 429 and closed.
  Session(boost::asio::ip::tcp::socket socket, SessionContext& context);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();
  /// Closes the connection if it is waiting for a request; one being handled finishes first and
  /// is answered with `Connection: close`. Thread-safe.
  void shutdown();

 private:
  enum class State { kReading, kHandling, kWriting, kDraining };

  void wait_for_request();
  void on_first_bytes(boost::beast::error_code ec, std::size_t bytes);
  void read_header();
  void on_header(boost::beast::error_code ec, std::size_t bytes);
  void read_body();
  void on_body(boost::beast::error_code ec, std::size_t bytes);
  void on_read_failure(boost::beast::error_code ec);
  void handle_request();
  void refuse_connection();
  void start_waiting(std::shared_ptr<Pending> pending, bool keep_alive);
  /// Answers `pending` with its last attempt, unparked: for a request that acted and cannot wait.
  void answer_now(std::shared_ptr<Pending> pending, bool keep_alive);
  void try_pending(bool last);
  void on_pending_tried(std::optional<Response> answer);
  void on_pending_wake();
  void on_pending_timer(boost::beast::error_code ec);
  void write(Response response, bool keep_alive);
  void on_write(boost::beast::error_code ec);
  void drain_and_close();
  void on_drain(boost::beast::error_code ec);
  void close();

  /// A parked request's state; releases its places in the limits when destroyed.
  struct Waiting {
    Waiting(SessionContext& context, std::string address, std::shared_ptr<Pending> pending, bool keep_alive);
    ~Waiting();
    Waiting(const Waiting&) = delete;
    Waiting& operator=(const Waiting&) = delete;

    SessionContext& context;
    std::string address;
    std::shared_ptr<Pending> pending;
    bool keep_alive;
    bool parked = false;  ///< waiting for a wake or the timer, no try running
    bool woken = false;   ///< a wake came while a try ran
  };

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  SessionContext& context_;
  std::string address_;
  bool admitted_ = false;
  boost::asio::steady_timer wait_timer_;
  std::optional<Waiting> waiting_;
  State state_ = State::kReading;
  bool first_request_ = true;
  bool keep_alive_ = false;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  std::optional<boost::beast::http::response_serializer<boost::beast::http::string_body>> serializer_;
  std::array<char, 4096> discard_{};
  // For the request log.
  std::string method_;
  std::string path_;
  std::chrono::steady_clock::time_point started_;
};

/// Accepts connections and starts a Session for each, on a strand of its own.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  /// Binds and listens; throws boost::system::system_error when the endpoint cannot be bound.
  Listener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint, SessionContext& context);

  std::uint16_t port() const { return port_; }
  void start();
  /// Stops accepting. Thread-safe.
  void stop();

 private:
  void accept();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  SessionContext& context_;
  std::uint16_t port_ = 0;
};

}  // namespace conductor::http::detail
