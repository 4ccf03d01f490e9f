#pragma once

#include "http/message.hpp"
#include "http/router.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace conductor::http {

/// Everything between the transport and the routes: builds the Request, applies the token check,
/// serves the built-in routes (health, token) and dispatches. Thread-safe (immutable).
class Gateway {
 public:
  /// Adds the built-in routes to `router`; throws std::invalid_argument when it already has them.
  Gateway(Router router, std::optional<std::string> token);

  /// Answers one request; never throws. Called on worker threads.
  Response serve(Method method, std::string_view target, std::string body, Headers headers) const noexcept;

 private:
  Router router_;
  std::optional<std::string> token_;
};

}  // namespace conductor::http
