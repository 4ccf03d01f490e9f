#pragma once

#include "http/router.hpp"

#include <string>

/// The adapter's route families, one routes_<resource>.cpp each. A family is a table of
/// (method, pattern, handler) rows added with Router::add; each handler is a plain function.
namespace conductor::http {

/// Health checks: `GET /health` and `GET /api/health`, always healthy (api.md 1.17).
void add_health_routes(Router& router);

/// `POST /api/token`: the SDKs' login, {"keyId","keySecret"} -> {"token"}. The secret must equal
/// `token`. Added only when auth is configured: without it the path is a 404, which SDKs read as
/// "this server has no auth".
void add_token_route(Router& router, std::string token);

}  // namespace conductor::http
