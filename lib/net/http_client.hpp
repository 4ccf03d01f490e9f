#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace conductor::detail {

/// One request the client sends.
struct HttpCallRequest {
  std::string method;  ///< GET, POST, PUT, ...: any HTTP method token
  std::string url;     ///< `http://` or `https://`, host, optional port, target
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> body;  ///< sent with its Content-Length when present
  /// Bounds resolving the host, connecting and the TLS handshake.
  std::chrono::milliseconds connect_timeout{3000};
  /// Bounds sending the request and reading the whole response.
  std::chrono::milliseconds read_timeout{3000};
};

struct HttpCallResponse {
  int status = 0;
  std::string reason;                                        ///< the reason phrase the server sent
  std::vector<std::pair<std::string, std::string>> headers;  ///< in the order received
  std::string body;
};

/// A response of any status, or, when there is none, why (bad URL, refused, timed out, TLS failure).
struct HttpCallOutcome {
  std::optional<HttpCallResponse> response;
  std::string error;
};

/// An asynchronous HTTP/1.1 client on Boost.Beast, with its own I/O thread: a call never blocks the
/// thread that starts it, and a slow server holds nothing but its own connection. One connection per
/// call; https peers are verified against the system's trust store, and the host name is checked.
/// Responses are limited to 8 MiB. Thread-safe.
class HttpClient {
 public:
  HttpClient();
  /// Stops the I/O thread: calls still in flight are dropped and their callbacks never run.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Starts a call; `done` runs exactly once, on the client's thread, unless the client is destroyed
  /// first. It must not block for long: other calls' I/O waits meanwhile.
  void send(HttpCallRequest request, std::function<void(HttpCallOutcome)> done);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace conductor::detail
