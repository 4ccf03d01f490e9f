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

struct SearchSort {
  std::string field;  ///< snake_case
  bool descending = false;
};

/// The `field:ASC|DESC` entries (direction case-insensitive); malformed entries are ignored, as in
/// Conductor's SQL backends.
std::vector<SearchSort> parse_search_sort(const std::vector<std::string>& sort);

/// `workflowType` → `workflow_type`.
std::string camel_to_snake(std::string_view name);

}  // namespace conductor::detail
