#pragma once

#include <conductor/storage/storage.hpp>

#include <string>

#include "storage/postgres/connection.hpp"
#include "storage/search_fields.hpp"

namespace conductor::detail::pg {

/// A search as PostgreSQL SQL: the WHERE clause (empty for none) and ORDER BY list over one index
/// table, with the parameters the clause refers to as $1, $2, …
struct SearchSql {
  std::string where;
  std::string order;
  Params params;
};

/// Translates a query in Conductor's grammar and its free text (search_query.hpp) for `table`.
/// Free text matches words with case-insensitive regular expressions over the summaries' texts:
/// a word is a run of letters and digits, a phrase its words in order, a prefix the start of a
/// word. Throws ValidationError for what does not parse or names an unknown field.
SearchSql search_sql(const IndexTable& table, const SearchQuery& query);

}  // namespace conductor::detail::pg
