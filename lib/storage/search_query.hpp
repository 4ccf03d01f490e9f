#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Conductor's search query grammar, parsed independently of any backend (semantics.md §9).
///
/// It accepts the SQLite grammar (`field op value` clauses joined by ` AND `, operators `=`, `>`, `<`,
/// `IN`, quotes and parentheses around values) and, as a superset, `OR`, `!=` and parenthesised
/// groups. AND binds tighter than OR. Keywords are upper case, as in Conductor. Unquoted values may
/// span several words (`workflowType = my flow`); quoted ones take `\` as an escape.
namespace conductor::detail {

/// One `field op value(s)` clause.
struct SearchCondition {
  enum class Op { kEqual, kNotEqual, kGreater, kLess, kIn };
  /// The field in snake_case, as index columns are named: `workflowType` becomes `workflow_type`.
  std::string field;
  /// `IN` with a single value is reported as kEqual, as Conductor does.
  Op op = Op::kEqual;
  std::vector<std::string> values;  ///< at least one
};

/// A condition, or an AND/OR over two or more sub-expressions.
struct SearchExpression {
  enum class Kind { kCondition, kAnd, kOr };
  Kind kind = Kind::kCondition;
  SearchCondition condition;              ///< for kCondition
  std::vector<SearchExpression> operands;  ///< for kAnd and kOr
};

/// Parses a query; nullopt when it is blank. Throws ValidationError
/// (`Incorrectly formatted query string: <query>`) naming what was expected where.
std::optional<SearchExpression> parse_search_query(std::string_view query);

/// A free-text query: the subset of Lucene's query-string syntax people write against Conductor's
/// Elasticsearch index (docs/search.md). Which fields exist and what a term matches is the
/// backend's business; the parser only gives the structure.
struct FreeTextExpression {
  enum class Kind {
    kAll,    ///< `*`
    kMatch,  ///< a term or a quoted phrase, on `field` or (field empty) on every text
    kRange,  ///< `field:[a TO b]`, `{a TO b}`, `field:>a`, `>=`, `<`, `<=`
    kAnd,
    kOr,
    kNot,  ///< one operand
  };
  Kind kind = Kind::kAll;
  /// As written (camelCase); empty for a bare term. Set on kMatch and kRange only.
  std::string field;
  /// kMatch: the term or phrase, escapes resolved, without the trailing `*`.
  std::string value;
  bool phrase = false;  ///< kMatch: it was quoted
  bool prefix = false;  ///< kMatch: a trailing `*` (`field:*` is a prefix match on "")
  /// kRange: the bounds; absent means open (`*`).
  std::optional<std::string> lower;
  std::optional<std::string> upper;
  bool include_lower = true;
  bool include_upper = true;
  std::vector<FreeTextExpression> operands;  ///< kAnd, kOr (two or more), kNot (one)
};

/// Parses free text; nullopt when it is blank or `*` (no filter). Terms side by side are
/// alternatives, as with Lucene's default operator, except that a `NOT` clause beside others
/// excludes (`a b NOT c` is `(a OR b) AND NOT c`). Precedence: NOT, then AND, then OR. Throws
/// ValidationError (`Incorrectly formatted freeText: <text>`) naming what was expected where.
std::optional<FreeTextExpression> parse_free_text(std::string_view text);

struct SearchSort {
  std::string field;  ///< snake_case
  bool descending = false;
};

/// Entries `field:ASC|DESC` (Conductor's form) or `ASC|DESC:field` (the form of the API page the
/// project started from), direction case-insensitive; malformed entries are ignored, as in
/// Conductor's SQL backends.
std::vector<SearchSort> parse_search_sort(const std::vector<std::string>& sort);

/// `workflowType` → `workflow_type`.
std::string camel_to_snake(std::string_view name);

}  // namespace conductor::detail
