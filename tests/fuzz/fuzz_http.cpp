// The HTTP edge: raw bytes go through Beast's parser with the server's limits, the framing checks
// and the gateway (request parsing, routing, every route) on an engine in memory. Properties:
// nothing throws out of the gateway, no request gets a 500, and every JSON body parses.
#include "fuzz_support.hpp"
#include "http/framing.hpp"
#include "http/gateway.hpp"
#include "http/routes.hpp"

#include <conductor/codec.hpp>
#include <conductor/engine.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>
#include <string>

namespace {

namespace bhttp = boost::beast::http;
using conductor::http::Response;

void check(const Response& response) {
  if (response.status == 500) conductor::fuzz::fail("a request answered 500");
  if (response.content_type == conductor::http::kJsonContentType) {
    try {
      conductor::parse_json_text(response.body);
    } catch (const conductor::ValidationError&) {
      conductor::fuzz::fail("a JSON answer that does not parse");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace conductor;
  static Engine engine({.background = false});
  static const http::Gateway gateway(http::make_router(engine), std::nullopt);

  bhttp::request_parser<bhttp::string_body> parser;
  parser.eager(true);
  parser.body_limit(64 * 1024);
  parser.header_limit(16 * 1024);
  boost::beast::error_code ec;
  auto buffer = boost::asio::buffer(data, size);
  while (buffer.size() > 0 && !parser.is_done()) {
    const std::size_t used = parser.put(buffer, ec);
    if (ec || used == 0) break;
    buffer += used;
  }
  if (!parser.is_header_done()) return 0;
  if (auto refusal = http::framing_error(parser.get())) {
    check(*refusal);
    return 0;
  }
  if (!parser.is_done()) return 0;

  auto& message = parser.get();
  http::Headers headers;
  for (const auto& field : message) headers.emplace_back(field.name_string(), field.value());
  Response response = gateway.serve(http::parse_method(message.method_string()), message.target(),
                                    std::move(message.body()), std::move(headers));
  if (response.pending) {
    // A long poll: its last attempt answers at once, as when its wait times out.
    auto answer = response.pending->attempt([] {}, true);
    response.pending->disarm();
    if (!answer) fuzz::fail("a long poll's last attempt did not answer");
    response = std::move(*answer);
  }
  check(response);
  return 0;
}
