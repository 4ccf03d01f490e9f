#include "http/gateway.hpp"

#include "http/auth.hpp"
#include "http/error_mapping.hpp"
#include "http/routes.hpp"

#include <utility>

namespace conductor::http {

Gateway::Gateway(Router router, std::optional<std::string> token)
    : router_(std::move(router)), token_(std::move(token)) {
  add_health_routes(router_);
  if (token_) add_token_route(router_, *token_);
}

Response Gateway::serve(Method method, std::string_view target, std::string body, Headers headers) const noexcept {
  try {
    Request request(method, target, std::move(body), std::move(headers));
    if (token_ && !authorized(request, *token_)) {
      return error_response(401, "Missing or invalid access token");
    }
    return router_.dispatch(std::move(request));
  } catch (...) {
    return current_exception_response();
  }
}

}  // namespace conductor::http
