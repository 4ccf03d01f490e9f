#pragma once

#include <conductor/model.hpp>

#include <optional>
#include <utility>

#include "storage/summaries.hpp"

namespace conductor::detail {

/// A page of search hits turned into the values they describe (Conductor's search V2, search by
/// tasks): `find` maps a hit to its value, nullopt when it is gone since it was indexed (or, for a
/// caller that answers each value once, a repeat); such hits leave the page and the count.
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

}  // namespace conductor::detail
