#include "http/router.hpp"

#include "http/error_mapping.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace conductor::http {
namespace {

[[noreturn]] void throw_bad_pattern(std::string_view pattern, std::string_view why) {
  throw std::invalid_argument("route pattern '" + std::string(pattern) + "': " + std::string(why));
}

}  // namespace

void Router::add(Method method, std::string_view pattern, Handler handler) {
  if (method == Method::kOther) throw_bad_pattern(pattern, "needs a standard method");
  if (pattern.empty() || pattern.front() != '/') throw_bad_pattern(pattern, "must start with '/'");
  Route route{method, std::string(pattern), {}, 0, std::move(handler)};
  std::string_view rest = pattern.substr(1);
  while (true) {
    const std::size_t slash = rest.find('/');
    const std::string_view text = rest.substr(0, slash);
    const bool opens = text.find('{') != std::string_view::npos;
    const bool closes = text.find('}') != std::string_view::npos;
    if (opens || closes) {
      if (text.size() < 3 || text.front() != '{' || text.back() != '}' ||
          text.find_first_of("{}", 1) != text.size() - 1) {
        throw_bad_pattern(pattern, "a variable must be a whole segment '{name}'");
      }
      std::string name(text.substr(1, text.size() - 2));
      const bool repeated = std::any_of(route.segments.begin(), route.segments.end(),
                                        [&](const Segment& s) { return s.variable && s.text == name; });
      if (repeated) throw_bad_pattern(pattern, "variable '" + name + "' appears twice");
      route.segments.push_back({std::move(name), true});
      ++route.variables;
    } else {
      route.segments.push_back({std::string(text), false});
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  const auto same_shape = [&](const Route& other) {
    return other.method == route.method &&
           std::equal(other.segments.begin(), other.segments.end(), route.segments.begin(), route.segments.end(),
                      [](const Segment& a, const Segment& b) {
                        return a.variable == b.variable && (a.variable || a.text == b.text);
                      });
  };
  if (std::any_of(routes_.begin(), routes_.end(), same_shape)) {
    throw std::invalid_argument("duplicate route " + std::string(to_string(method)) + " " + route.pattern);
  }
  routes_.push_back(std::move(route));
}

bool Router::matches(const Route& route, const std::vector<std::string>& segments) {
  return std::equal(route.segments.begin(), route.segments.end(), segments.begin(), segments.end(),
                    [](const Segment& pattern, const std::string& actual) {
                      // A variable needs a value: `/api/metadata/taskdefs/` is not `{tasktype}` "".
                      return pattern.variable ? !actual.empty() : pattern.text == actual;
                    });
}

bool Router::more_specific(const Route& a, const Route& b) {
  if (a.variables != b.variables) return a.variables < b.variables;
  // Both match the same path, so they have as many segments; the first literal decides.
  for (std::size_t i = 0; i < a.segments.size(); ++i) {
    if (a.segments[i].variable != b.segments[i].variable) return !a.segments[i].variable;
  }
  return false;
}

Response Router::dispatch(Request request) const noexcept {
  try {
    const Route* best = nullptr;
    std::vector<Method> allowed;
    for (const Route& route : routes_) {
      if (!matches(route, request.segments())) continue;
      if (route.method != request.method()) {
        if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) allowed.push_back(route.method);
      } else if (best == nullptr || more_specific(route, *best)) {
        best = &route;
      }
    }
    if (best == nullptr) {
      if (allowed.empty()) {
        return error_response(404, "No handler found for " + std::string(to_string(request.method())) + " " +
                                       request.path());
      }
      std::sort(allowed.begin(), allowed.end());
      std::string allow;
      for (Method method : allowed) {
        if (!allow.empty()) allow += ", ";
        allow += to_string(method);
      }
      Response response = error_response(
          405, "Request method '" + std::string(to_string(request.method())) + "' is not supported");
      response.headers.emplace_back("Allow", std::move(allow));
      return response;
    }
    std::vector<std::pair<std::string, std::string>> params;
    for (std::size_t i = 0; i < best->segments.size(); ++i) {
      if (best->segments[i].variable) params.emplace_back(best->segments[i].text, request.segments()[i]);
    }
    request.set_path_params(std::move(params));
    return best->handler(request);
  } catch (...) {
    return current_exception_response();
  }
}

}  // namespace conductor::http
