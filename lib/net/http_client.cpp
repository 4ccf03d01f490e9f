#include "net/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <thread>

namespace conductor::detail {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Done = std::function<void(HttpCallOutcome)>;

constexpr std::uint64_t kBodyLimit = 8 * 1024 * 1024;

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
  std::string host_header;
};

// Splits `scheme://host[:port][/path][?query]`; the fragment is not sent. Returns the error text on
// failure.
std::string parse_url(std::string_view text, Url& url) {
  auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return fmt::format("'{}' is not an absolute http or https URI", text);
  std::string scheme(text.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme != "http" && scheme != "https") return fmt::format("unsupported URI scheme '{}'", scheme);
  url.tls = scheme == "https";
  std::string_view rest = text.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('#'));
  auto path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  url.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (url.target.front() == '?') url.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) return "user information in the URI is not supported";
  std::string_view port;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fmt::format("malformed host in '{}'", text);
    url.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return fmt::format("malformed host in '{}'", text);
      port = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) return fmt::format("no host in '{}'", text);
  if (!port.empty() && !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }))
    return fmt::format("malformed port in '{}'", text);
  url.port = port.empty() ? (url.tls ? "443" : "80") : std::string(port);
  url.host_header = std::string(authority);
  return {};
}

bool is_token(std::string_view method) {
  return !method.empty() && std::all_of(method.begin(), method.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

// One call on one connection. Lives as long as an operation of it is pending.
class Call : public std::enable_shared_from_this<Call> {
 public:
  Call(asio::io_context& io, asio::ssl::context& tls, Url url, HttpCallRequest request, Done done)
      : resolver_(io), stream_(io, tls), timer_(io), url_(std::move(url)), call_(std::move(request)),
        done_(std::move(done)) {}

  void start() {
    request_.method_string(call_.method);
    request_.target(url_.target);
    request_.version(11);
    request_.set(http::field::host, url_.host_header);
    request_.set(http::field::user_agent, "embedded-conductor");
    for (const auto& [name, value] : call_.headers) request_.insert(name, value);
    request_.set(http::field::connection, "close");
    if (call_.body) request_.body() = *call_.body;
    request_.prepare_payload();
    parser_.body_limit(kBodyLimit);
    if (request_.method() == http::verb::head) parser_.skip(true);
    arm(call_.connect_timeout, "connecting");
    resolver_.async_resolve(url_.host, url_.port, [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
      if (ec) return self->fail(ec, "resolving the host");
      asio::async_connect(self->tcp().socket(), results, [self](beast::error_code ec, const tcp::endpoint&) {
        self->on_connect(ec);
      });
    });
  }

 private:
  beast::tcp_stream& tcp() { return stream_.next_layer(); }

  // One deadline per phase; re-arming cancels the previous wait.
  void arm(std::chrono::milliseconds timeout, const char* phase) {
    phase_ = phase;
    timeout_ = timeout;
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->finished_) return;
      self->timed_out_ = true;
      self->resolver_.cancel();
      beast::error_code ignored;
      self->tcp().socket().close(ignored);
    });
  }

  void on_connect(beast::error_code ec) {
    if (ec) return fail(ec, "connecting");
    if (!url_.tls) return arm_and_send();
    if (!SSL_set_tlsext_host_name(stream_.native_handle(), url_.host.c_str()))
      return fail(beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()),
                  "setting the TLS server name");
    stream_.set_verify_callback(asio::ssl::host_name_verification(url_.host));
    stream_.async_handshake(asio::ssl::stream_base::client, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail(ec, "the TLS handshake");
      self->arm_and_send();
    });
  }

  void arm_and_send() {
    arm(call_.read_timeout, "reading the response");
    auto on_write = [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail(ec, "sending the request");
      self->read();
    };
    if (url_.tls) {
      http::async_write(stream_, request_, std::move(on_write));
    } else {
      http::async_write(tcp(), request_, std::move(on_write));
    }
  }

  void read() {
    auto on_read = [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail(ec, "reading the response");
      self->succeed();
    };
    if (url_.tls) {
      http::async_read(stream_, buffer_, parser_, std::move(on_read));
    } else {
      http::async_read(tcp(), buffer_, parser_, std::move(on_read));
    }
  }

  void succeed() {
    auto& message = parser_.get();
    HttpCallResponse response;
    response.status = static_cast<int>(message.result_int());
    response.reason = std::string(message.reason());
    for (const auto& field : message) response.headers.emplace_back(field.name_string(), field.value());
    response.body = std::move(message.body());
    finish({std::move(response), {}});
  }

  void fail(beast::error_code ec, const char* during) {
    if (timed_out_)
      return finish({std::nullopt, fmt::format("timed out after {} ms {}", timeout_.count(), phase_)});
    finish({std::nullopt, fmt::format("{} failed: {}", during, ec.message())});
  }

  void finish(HttpCallOutcome outcome) {
    finished_ = true;
    timer_.cancel();
    beast::error_code ignored;
    tcp().socket().close(ignored);
    done_(std::move(outcome));
  }

  tcp::resolver resolver_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  asio::steady_timer timer_;
  Url url_;
  HttpCallRequest call_;
  Done done_;
  http::request<http::string_body> request_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  const char* phase_ = "";
  std::chrono::milliseconds timeout_{0};
  bool timed_out_ = false;
  bool finished_ = false;
};

}  // namespace

struct HttpClient::State {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  asio::ssl::context tls{asio::ssl::context::tls_client};
  std::thread thread;
};

HttpClient::HttpClient() : state_(std::make_unique<State>()) {
  state_->tls.set_default_verify_paths();
  state_->tls.set_verify_mode(asio::ssl::verify_peer);
  state_->thread = std::thread([io = &state_->io] { io->run(); });
}

HttpClient::~HttpClient() {
  state_->work.reset();
  state_->io.stop();
  state_->thread.join();
}

void HttpClient::send(HttpCallRequest request, std::function<void(HttpCallOutcome)> done) {
  Url url;
  std::string error = parse_url(request.url, url);
  if (error.empty() && !is_token(request.method)) error = fmt::format("invalid HTTP method '{}'", request.method);
  if (!error.empty()) {
    asio::post(state_->io, [done = std::move(done), error = std::move(error)] { done({std::nullopt, error}); });
    return;
  }
  auto call = std::make_shared<Call>(state_->io, state_->tls, std::move(url), std::move(request), std::move(done));
  asio::post(state_->io, [call] { call->start(); });
}

}  // namespace conductor::detail
