#include "http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <fmt/format.h>

#include <stdexcept>

namespace conductor::bench {

namespace asio = boost::asio;
namespace http = boost::beast::http;

struct HttpConnection::Impl {
  asio::io_context io;
  asio::ip::tcp::socket socket{io};
  boost::beast::flat_buffer buffer;

  HttpReply send(http::request<http::string_body>& request) {
    request.set(http::field::host, "127.0.0.1");
    request.keep_alive(true);
    request.prepare_payload();
    http::write(socket, request);
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    return {static_cast<int>(response.result_int()), std::move(response.body())};
  }
};

void expect_success(const HttpReply& reply, std::string_view what) {
  if (reply.status < 200 || reply.status > 299)
    throw std::runtime_error(fmt::format("{}: HTTP {} {}", what, reply.status, reply.body));
}

HttpConnection::HttpConnection(std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->socket.connect({asio::ip::make_address_v4("127.0.0.1"), port});
  // As the SDKs' HTTP clients do: a request goes out at once instead of waiting for the last ack.
  impl_->socket.set_option(asio::ip::tcp::no_delay(true));
}

HttpConnection::~HttpConnection() = default;

HttpReply HttpConnection::get(std::string_view target) {
  http::request<http::string_body> request{http::verb::get, target, 11};
  return impl_->send(request);
}

HttpReply HttpConnection::post(std::string_view target, std::string json) {
  http::request<http::string_body> request{http::verb::post, target, 11, std::move(json)};
  request.set(http::field::content_type, "application/json");
  return impl_->send(request);
}

}  // namespace conductor::bench
