#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace conductor::bench {

/// A status and body as received.
struct HttpReply {
  int status = 0;
  std::string body;
};

/// Throws, naming `what`, unless the reply is a 2xx.
void expect_success(const HttpReply& reply, std::string_view what);

/// One kept-alive HTTP/1.1 connection to 127.0.0.1, used by one thread at a time, as an SDK worker's
/// connection is. Throws std::system_error (from Boost.Asio) when the connection fails.
class HttpConnection {
 public:
  explicit HttpConnection(std::uint16_t port);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  HttpReply get(std::string_view target);
  /// POSTs `json` with Content-Type application/json.
  HttpReply post(std::string_view target, std::string json);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace conductor::bench
