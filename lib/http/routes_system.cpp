#include "http/auth.hpp"
#include "http/error_mapping.hpp"
#include "http/routes.hpp"

#include <conductor/version.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <memory>

namespace conductor::http {
namespace {

Response health(const Request&) {
  JsonObject status;
  status["healthy"] = true;
  status["indicators"] = JsonArray();
  return Response::json(status);
}

Response exchange_token(const std::string& token, const Request& request) {
  const Json body = request.json();
  const auto* secret = body.is_object() ? body.as_object().if_contains("keySecret") : nullptr;
  if (secret == nullptr || !secret->is_string() || !tokens_equal(secret->as_string(), token)) {
    return error_response(401, "Invalid keyId or keySecret");
  }
  JsonObject answer;
  answer["token"] = token;
  return Response::json(answer);
}

Response version(const Request&) { return Response::text(CONDUCTOR_VERSION_STRING); }

}  // namespace

void add_version_route(Router& router) { router.add(Method::kGet, "/api/version", version); }

void add_health_routes(Router& router) {
  for (const char* path : kHealthPaths) router.add(Method::kGet, path, health);
}

void add_metrics_route(Router& router, std::function<std::string()> metrics) {
  router.add(Method::kGet, "/metrics", [metrics = std::move(metrics)](const Request&) {
    return Response{200, "text/plain; version=0.0.4; charset=utf-8", metrics(), {}, {}};
  });
}

void add_token_route(Router& router, std::string token) {
  router.add(Method::kPost, kTokenPath,
             [token = std::move(token)](const Request& request) { return exchange_token(token, request); });
}

}  // namespace conductor::http
