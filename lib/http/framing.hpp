#pragma once

#include "http/message.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

#include <optional>

namespace conductor::http {

/// The framing checks RFC 9112 (§6.1, §6.3) asks for and Beast's parser lets through: a repeated
/// or comma-listed Content-Length, Content-Length beside Transfer-Encoding, Transfer-Encoding in
/// HTTP/1.0, a coding other than chunked (501) or chunked applied twice. Returns the answer to
/// give before closing the connection, or nullopt when the framing is sound.
std::optional<Response> framing_error(const boost::beast::http::request_header<>& request);

}  // namespace conductor::http
