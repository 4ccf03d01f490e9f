#pragma once

#include "http/message.hpp"

#include <array>
#include <string_view>

/// The optional shared-token check. Conductor OSS has no auth; hosts that expose the API can set
/// a token, which clients send as `Authorization: Bearer <token>` or as the raw value of
/// `X-Authorization` (what the SDKs send after POST /api/token).
namespace conductor::http {

inline constexpr std::array<const char*, 2> kHealthPaths{"/health", "/api/health"};
inline constexpr const char* kTokenPath = "/api/token";
/// The web page's files: `/` and everything under this prefix.
inline constexpr std::string_view kWebPagePrefix = "/ui/";

/// Compares in time independent of where the first difference is, so the token cannot be guessed
/// byte by byte from response times.
bool tokens_equal(std::string_view given, std::string_view expected);

/// True when `request` may be served: it carries `token`, or it targets a path open to everyone
/// (health checks, the token exchange itself, the web page's files).
bool authorized(const Request& request, std::string_view token);

}  // namespace conductor::http
