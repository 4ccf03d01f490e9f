#include "http/session.hpp"

#include "http/error_mapping.hpp"
#include "http/framing.hpp"
#include "http/inline_executor.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace conductor::http::detail {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kReadChunk = 4096;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

/// Errors that only mean the peer went away or we closed: nothing to answer, nothing to log.
bool is_disconnect(beast::error_code ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == net::error::eof ||
         ec == net::error::operation_aborted || ec == beast::error::timeout || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::error::bad_descriptor;
}

}  // namespace

void SessionRegistry::add(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mutex_);
  sessions_.emplace(session.get(), session);
}

void SessionRegistry::remove(const Session* session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
}

std::size_t& ClientTable::count(Counts& counts, Kind kind) {
  return kind == Kind::kConnection ? counts.connections : counts.waiting_polls;
}

bool ClientTable::add(Kind kind, const std::string& address, std::size_t limit) {
  std::lock_guard lock(mutex_);
  auto& counts = clients_[address];
  std::size_t& n = count(counts, kind);
  if (n >= limit) {
    if (counts.connections == 0 && counts.waiting_polls == 0) clients_.erase(address);
    return false;
  }
  ++n;
  return true;
}

void ClientTable::remove(Kind kind, const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto found = clients_.find(address);
  if (found == clients_.end()) return;
  --count(found->second, kind);
  if (found->second.connections == 0 && found->second.waiting_polls == 0) clients_.erase(found);
}

std::vector<std::shared_ptr<Session>> SessionRegistry::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Session>> live;
  for (const auto& [key, weak] : sessions_) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  return live;
}

Session::Waiting::Waiting(SessionContext& server, std::string client, std::shared_ptr<Pending> answer, bool keep)
    : context(server), address(std::move(client)), pending(std::move(answer)), keep_alive(keep) {}

Session::Waiting::~Waiting() {
  pending->disarm();
  context.clients.remove(ClientTable::Kind::kWaitingPoll, address);
  --context.waiting_polls;
}

Session::Session(tcp::socket socket, SessionContext& context)
    : stream_(std::move(socket)), context_(context), wait_timer_(stream_.get_executor()) {
  beast::error_code ec;
  const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
  address_ = ec ? std::string("unknown") : peer.address().to_string();
  // Answers are written by whichever thread holds the connection's strand, often the worker that
  // handled the request: a write that could block would hold that worker, so the socket never blocks.
  stream_.socket().non_blocking(true, ec);
  admitted_ =
      context_.clients.add(ClientTable::Kind::kConnection, address_, context_.options.max_connections_per_client);
}

Session::~Session() {
  if (admitted_) context_.clients.remove(ClientTable::Kind::kConnection, address_);
  context_.registry.remove(this);
}

void Session::start() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (!self->admitted_) return self->refuse_connection();
    self->wait_for_request();
  });
}

void Session::shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->state_ == State::kReading || self->state_ == State::kDraining) return self->close();
    // A parked request is answered now with what it has (an empty poll), not at its deadline.
    if (self->waiting_ && self->waiting_->parked) {
      self->wait_timer_.cancel();
      self->try_pending(true);
    }
  });
}

void Session::refuse_connection() {
  // Answered before any request is read: the client learns why instead of seeing a bare close.
  parser_.emplace();
  method_.clear();
  path_.clear();
  started_ = std::chrono::steady_clock::now();
  write(error_response(429, "Too many connections from " + address_ + " (limit " +
                                std::to_string(context_.options.max_connections_per_client) + ")"),
        false);
}

void Session::wait_for_request() {
  if (context_.stopping) return close();
  state_ = State::kReading;
  parser_.emplace();
  parser_->body_limit(context_.options.max_body_bytes);
  parser_->header_limit(static_cast<std::uint32_t>(context_.options.max_header_bytes));
  if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
  // Between kept-alive requests a client may idle longer than it may take to send one request.
  stream_.expires_after(first_request_ ? context_.options.read_timeout : context_.options.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
}

void Session::on_first_bytes(beast::error_code ec, std::size_t bytes) {
  if (ec) return close();
  buffer_.commit(bytes);
  read_header();
}

void Session::read_header() {
  stream_.expires_after(context_.options.read_timeout);
  bhttp::async_read_header(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_header, shared_from_this()));
}

void Session::on_header(beast::error_code ec, std::size_t) {
  if (ec) return on_read_failure(ec);
  if (auto refusal = framing_error(parser_->get())) {
    method_ = std::string(parser_->get().method_string());
    path_ = std::string(parser_->get().target().substr(0, parser_->get().target().find('?')));
    started_ = std::chrono::steady_clock::now();
    // Whatever follows the header could be read as a body or as the next request: the connection
    // cannot carry another one, so the rest is discarded unread.
    return write(std::move(*refusal), false);
  }
  if (parser_->is_done()) return handle_request();
  // curl and others wait for this before sending a body; answering it saves them a second.
  if (beast::iequals(parser_->get()[bhttp::field::expect], "100-continue")) {
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                       if (write_ec) return self->close();
                       self->read_body();
                     });
    return;
  }
  read_body();
}

void Session::read_body() {
  stream_.expires_after(context_.options.read_timeout);
  bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_body, shared_from_this()));
}

void Session::on_body(beast::error_code ec, std::size_t) {
  if (ec) return on_read_failure(ec);
  handle_request();
}

void Session::on_read_failure(beast::error_code ec) {
  if (is_disconnect(ec)) return close();
  if (parser_->is_header_done()) {
    method_ = std::string(parser_->get().method_string());
    path_ = std::string(parser_->get().target().substr(0, parser_->get().target().find('?')));
  } else {
    method_.clear();
    path_.clear();
  }
  started_ = std::chrono::steady_clock::now();
  Response response;
  if (ec == bhttp::error::body_limit) {
    response = error_response(413, "Request body exceeds the limit of " +
                                       std::to_string(context_.options.max_body_bytes) + " bytes");
  } else if (ec == bhttp::error::header_limit) {
    response = error_response(431, "Request headers exceed the limit of " +
                                       std::to_string(context_.options.max_header_bytes) + " bytes");
  } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
    response = error_response(400, "Malformed HTTP request: " + ec.message());
  } else {
    return close();
  }
  // The rest of the request is unread, so the connection cannot carry another one.
  write(std::move(response), false);
}

void Session::handle_request() {
  state_ = State::kHandling;
  first_request_ = false;
  stream_.expires_never();
  auto& message = parser_->get();
  method_ = std::string(message.method_string());
  path_ = std::string(message.target().substr(0, message.target().find('?')));
  started_ = std::chrono::steady_clock::now();
  Headers headers;
  for (const auto& field : message) headers.emplace_back(field.name_string(), field.value());
  // Handlers make library calls that wait for storage, so they run on the worker pool, never on an
  // io thread; a long poll comes back as Pending and waits parked (start_waiting). The
  // tracked executor keeps the io_context running until the response is back on this strand,
  // which is what lets stop() wait for in-flight requests.
  auto strand = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked);
  context_.workers.post([self = shared_from_this(), strand, keep_alive = message.keep_alive(),
                         method = parse_method(message.method_string()), target = std::string(message.target()),
                         body = std::move(message.body()), headers = std::move(headers)]() mutable {
    Response response = self->context_.gateway.serve(method, target, std::move(body), std::move(headers));
    net::dispatch(strand, [self, keep_alive, response = std::move(response)]() mutable {
      if (response.pending) return self->start_waiting(std::move(response.pending), keep_alive);
      self->write(std::move(response), keep_alive);
    });
  });
}

void Session::start_waiting(std::shared_ptr<Pending> pending, bool keep_alive) {
  const ServerOptions& options = context_.options;
  if (++context_.waiting_polls > options.max_waiting_polls) {
    --context_.waiting_polls;
    if (pending->acted()) return answer_now(std::move(pending), keep_alive);
    Response busy = error_response(503, "Too many long polls are waiting on this server (limit " +
                                            std::to_string(options.max_waiting_polls) + "); retry later");
    busy.headers.emplace_back("Retry-After", "1");
    return write(std::move(busy), keep_alive);
  }
  if (!context_.clients.add(ClientTable::Kind::kWaitingPoll, address_, options.max_waiting_polls_per_client)) {
    --context_.waiting_polls;
    if (pending->acted()) return answer_now(std::move(pending), keep_alive);
    return write(error_response(429, "Too many long polls are waiting from " + address_ + " (limit " +
                                         std::to_string(options.max_waiting_polls_per_client) + ")"),
                 keep_alive);
  }
  waiting_.emplace(context_, address_, std::move(pending), keep_alive);
  try_pending(context_.stopping);
}

void Session::answer_now(std::shared_ptr<Pending> pending, bool keep_alive) {
  auto strand = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked);
  context_.workers.post([self = shared_from_this(), strand, pending = std::move(pending), keep_alive] {
    Response answer;
    try {
      answer = *pending->attempt([] {}, true);
    } catch (...) {
      answer = current_exception_response();
    }
    net::dispatch(strand, [self, keep_alive, answer = std::move(answer)]() mutable {
      self->write(std::move(answer), keep_alive);
    });
  });
}

void Session::try_pending(bool last) {
  waiting_->parked = false;
  waiting_->woken = false;
  // The wake-up holds no work on the io_context (a waiter that never fires must not keep stop() from
  // returning; only the try below, while it runs, does) and not even an executor: the engine may keep
  // it after the server and its io_context are gone, and an executor must not outlive its context.
  auto wake = [weak = weak_from_this()] {
    if (auto self = weak.lock()) net::post(self->stream_.get_executor(), [self] { self->on_pending_wake(); });
  };
  auto strand = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked);
  context_.workers.post([self = shared_from_this(), strand, pending = waiting_->pending, wake, last] {
    std::optional<Response> answer;
    try {
      answer = pending->attempt(wake, last);
    } catch (...) {
      answer = current_exception_response();
    }
    net::dispatch(strand, [self, answer = std::move(answer)]() mutable { self->on_pending_tried(std::move(answer)); });
  });
}

void Session::on_pending_tried(std::optional<Response> answer) {
  if (answer) {
    const bool keep_alive = waiting_->keep_alive;
    waiting_.reset();
    return write(std::move(*answer), keep_alive);
  }
  const auto deadline = waiting_->pending->deadline();
  if (context_.stopping) return try_pending(true);
  if (waiting_->woken) return try_pending(std::chrono::steady_clock::now() >= deadline);
  waiting_->parked = true;
  const auto recheck = waiting_->pending->recheck_at();
  wait_timer_.expires_at(recheck ? std::min(*recheck, deadline) : deadline);
  wait_timer_.async_wait(beast::bind_front_handler(&Session::on_pending_timer, shared_from_this()));
}

void Session::on_pending_wake() {
  if (!waiting_) return;  // answered meanwhile: the wake of an earlier try
  if (!waiting_->parked) {
    waiting_->woken = true;
    return;
  }
  wait_timer_.cancel();
  try_pending(std::chrono::steady_clock::now() >= waiting_->pending->deadline());
}

void Session::on_pending_timer(beast::error_code ec) {
  // A timer that had already fired when a wake cancelled it still runs: only a parked request
  // acts on it; the try under way re-arms the timer when it finds nothing.
  if (ec || !waiting_ || !waiting_->parked) return;
  try_pending(std::chrono::steady_clock::now() >= waiting_->pending->deadline());
}

void Session::write(Response response, bool keep_alive) {
  state_ = State::kWriting;
  keep_alive_ = keep_alive && !context_.stopping;
  if (response.status < 200 || response.status > 599) response = error_response(500, "invalid response status");
  // These statuses carry no body by definition; Beast refuses to frame one.
  if (response.status == 204 || response.status == 304) {
    response.content_type.clear();
    response.body.clear();
  }
  response_ = bhttp::response<bhttp::string_body>();
  response_.version(parser_->get().version() == 10 ? 10 : 11);
  response_.result(static_cast<unsigned>(response.status));
  if (!response.content_type.empty()) response_.set(bhttp::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) response_.set(name, value);
  response_.body() = std::move(response.body);
  response_.keep_alive(keep_alive_);
  response_.prepare_payload();
  serializer_.emplace(response_);
  // The socket does not block (see the constructor), so this writes what the kernel takes now: all
  // of a usual answer. Only the rest waits for the network thread.
  if (stream_.socket().non_blocking()) {
    beast::error_code ec;
    bhttp::write(stream_.socket(), *serializer_, ec);
    if (ec != net::error::would_block) return on_write(ec);
  }
  stream_.expires_after(context_.options.read_timeout);
  bhttp::async_write(stream_, *serializer_,
                     [self = shared_from_this()](beast::error_code write_ec, std::size_t) { self->on_write(write_ec); });
}

void Session::on_write(beast::error_code ec) {
  if (context_.options.request_log) {
    context_.options.request_log(RequestLogEntry{
        method_, path_, static_cast<int>(response_.result_int()),
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_)});
  }
  if (ec) return close();
  if (keep_alive_) return wait_for_request();
  drain_and_close();
}

void Session::drain_and_close() {
  // Closing a socket with unread input makes the kernel send a reset, which can destroy the
  // response before the client reads it. So: send FIN, then read and discard until the client
  // closes too (bounded by the read timeout). On stop there is no time to wait for that.
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  if (context_.stopping) return close();
  state_ = State::kDraining;
  stream_.expires_after(context_.options.read_timeout);
  stream_.async_read_some(net::buffer(discard_),
                          [self = shared_from_this()](beast::error_code read_ec, std::size_t) {
                            self->on_drain(read_ec);
                          });
}

void Session::on_drain(beast::error_code ec) {
  if (ec) return close();
  stream_.async_read_some(net::buffer(discard_),
                          [self = shared_from_this()](beast::error_code read_ec, std::size_t) {
                            self->on_drain(read_ec);
                          });
}

void Session::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

Listener::Listener(net::io_context& io, const tcp::endpoint& endpoint, SessionContext& context)
    : io_(io), acceptor_(net::make_strand(io)), retry_timer_(acceptor_.get_executor()), context_(context) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
}

void Listener::start() {
  net::dispatch(acceptor_.get_executor(), beast::bind_front_handler(&Listener::accept, shared_from_this()));
}

void Listener::stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    beast::error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
  });
}

void Listener::accept() {
  // Each connection gets its own strand: its handlers never run concurrently with each other. The
  // strand runs work that may run at once on the thread that submits it, so the worker that handled
  // a request, finding the strand free, writes the answer and starts the next read itself: a request
  // wakes a network thread once, for its arrival.
  acceptor_.async_accept(net::make_strand(InlineExecutor(io_.get_executor())),
                         beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open()) return;
  if (ec) {
    // Out of descriptors or a similar passing condition: try again shortly instead of spinning.
    retry_timer_.expires_after(kAcceptRetryDelay);
    retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (!wait_ec) self->accept();
    });
    return;
  }
  if (context_.stopping) return;  // the socket closes as it goes out of scope
  auto session = std::make_shared<Session>(std::move(socket), context_);
  context_.registry.add(session);
  session->start();
  accept();
}

}  // namespace conductor::http::detail
