#pragma once

#include "executor/summaries.hpp"
#include "http/message.hpp"

#include <conductor/codec.hpp>
#include <conductor/model.hpp>

#include <string>
#include <string_view>
#include <vector>

/// Request parsing shared by the resource route families (routes_<resource>.cpp).
namespace conductor::http {

/// The body decoded as a model value: ValidationError (400) when it is missing, not JSON, or has a
/// mistyped field, where Conductor answers 500 (api.md 3.4).
template <class T>
T body_as(const Request& request) {
  return decode<T>(request.json());
}

/// Like body_as, but an empty body is the value's defaults (for bodies whose fields are all optional,
/// which some clients leave out).
template <class T>
T optional_body_as(const Request& request) {
  return request.body().empty() ? T{} : body_as<T>(request);
}

/// The body as a JSON object, for routes whose body is an input or output map.
JsonObject body_object(const Request& request);

/// The body as a JSON array of strings (workflow ids, correlation ids).
std::vector<std::string> body_strings(const Request& request);

/// The `{name}` path segment parsed as an integer (a version): ValidationError when it is not one.
int path_int(const Request& request, std::string_view name);

/// The `{status}` path segment as a task result status (COMPLETED, FAILED, ...): ValidationError
/// when it is not one.
TaskResultStatus path_status(const Request& request);

/// A search request from Conductor's parameters: `start` (0), `size` (100), `sort` (`field:ASC|DESC`
/// entries separated by `|`, also accepted repeated; empty means none), `freeText` (`*`; empty
/// means `*` too) and `query`.
SearchQuery search_query(const Request& request);

}  // namespace conductor::http
