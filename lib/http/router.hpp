#pragma once

#include "http/message.hpp"

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace conductor::http {

/// A handler answers one request. It may throw the library's typed exceptions (error.hpp); the
/// router turns them into Conductor's error responses. Handlers run on worker threads, several at
/// once, for the length of a library call: one that waits for an event answers Response::wait()
/// instead of blocking.
using Handler = std::function<Response(const Request&)>;

/// A row of a route table whose handlers share a context (the engine, a service):
///   {Method::kGet, "/api/metadata/taskdefs/{tasktype}", get_task_def},
/// with `Response get_task_def(Engine& engine, const Request& request)`.
template <class Context>
struct ContextRoute {
  Method method;
  std::string_view pattern;
  Response (*handler)(Context&, const Request&);
};

/// Conductor's routing table. A pattern is an absolute path whose segments are literals or
/// `{name}` variables. Among the routes matching a path the one with fewer variables wins, so a
/// literal shadows a variable (`/api/workflow/search` over `/api/workflow/{workflowId}`); on a tie
/// the leftmost literal wins. Paths match exactly: a trailing slash is a different path.
/// No match is a 404, a path matched only under other methods a 405 with an Allow header.
///
/// Build it on one thread, then dispatch() from any number of threads.
class Router {
 public:
  /// Adds a route. Throws std::invalid_argument for a malformed pattern (not absolute, `{` not
  /// spanning a whole segment, a variable named twice) or a route that duplicates an existing one.
  void add(Method method, std::string_view pattern, Handler handler);

  /// Adds a table of routes whose handlers take `context`, which must outlive the router.
  template <class Context>
  void add(Context& context, std::initializer_list<std::type_identity_t<ContextRoute<Context>>> routes) {
    for (const auto& route : routes) {
      add(route.method, route.pattern,
          [&context, handler = route.handler](const Request& request) { return handler(context, request); });
    }
  }

  /// Routes `request` and runs its handler. Never throws: handler exceptions become error responses.
  Response dispatch(Request request) const noexcept;

  std::size_t size() const { return routes_.size(); }

 private:
  struct Segment {
    std::string text;  ///< the literal, or the variable's name
    bool variable = false;
  };
  struct Route {
    Method method;
    std::string pattern;
    std::vector<Segment> segments;
    std::size_t variables = 0;
    Handler handler;
  };

  static bool matches(const Route& route, const std::vector<std::string>& segments);
  /// True when `a` is the better of two routes that match the same path.
  static bool more_specific(const Route& a, const Route& b);

  std::vector<Route> routes_;
};

}  // namespace conductor::http
