#pragma once

#include "http/message.hpp"

#include <conductor/codec.hpp>
#include <conductor/model.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

/// A page of search hits turned into the values they describe (Conductor's search V2): `find` maps a
/// hit to its value, nullopt when it is gone since it was indexed; such hits leave the page and the
/// count.
template <class Full, class Summary, class Find>
SearchResult<Full> expand_hits(const SearchResult<Summary>& hits, Find&& find) {
  SearchResult<Full> result{hits.total_hits, {}};
  for (const auto& hit : hits.results) {
    if (std::optional<Full> found = find(hit)) {
      result.results.push_back(std::move(*found));
    } else {
      --result.total_hits;
    }
  }
  return result;
}

}  // namespace conductor::http
