#include "storage/postgres/search_sql.hpp"

#include <conductor/error.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <vector>

#include "storage/search_query.hpp"

namespace conductor::detail::pg {
namespace {

/// The columns a bare free-text term searches: the texts, ids and names of a summary.
constexpr std::string_view kWorkflowWordColumns[] = {"workflow_id", "workflow_type", "correlation_id",
                                                     "input",       "output",        "reason"};
constexpr std::string_view kTaskWordColumns[] = {"task_id",       "task_type",      "task_def_name",
                                                 "workflow_id",   "workflow_type",  "correlation_id",
                                                 "input",         "output",         "reason"};

std::span<const std::string_view> word_columns(const IndexTable& table) {
  if (table.name == kWorkflowIndex.name) return kWorkflowWordColumns;
  return kTaskWordColumns;
}

bool word_byte(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || static_cast<unsigned char>(c) >= 0x80; }

/// A regular expression matching `text`'s words in order as whole words (the last one only as a
/// word's start with `prefix`); nullopt when `text` has no word. Words hold only letters and
/// digits, so nothing in them needs escaping.
std::optional<std::string> word_regex(std::string_view text, bool prefix) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (word_byte(c)) {
      word += c;
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  if (words.empty()) return std::nullopt;
  return fmt::format("(^|[^[:alnum:]]){}{}", fmt::join(words, "[^[:alnum:]]+"), prefix ? "" : "([^[:alnum:]]|$)");
}

class Builder {
 public:
  Builder(const IndexTable& table, Params& params) : table_(table), params_(params) {}

  std::string query(const SearchExpression& expression) {
    if (expression.kind == SearchExpression::Kind::kCondition) return condition(expression.condition);
    std::vector<std::string> parts;
    for (const SearchExpression& operand : expression.operands) parts.push_back(query(operand));
    return fmt::format("({})", fmt::join(parts, expression.kind == SearchExpression::Kind::kAnd ? " AND " : " OR "));
  }

  std::string free_text(const FreeTextExpression& expression, std::string_view text) {
    using Kind = FreeTextExpression::Kind;
    switch (expression.kind) {
      case Kind::kAll:
        return "TRUE";
      case Kind::kMatch:
        return match(expression, text);
      case Kind::kRange:
        return range(expression, text);
      case Kind::kNot:
        // A NULL field (no correlation id) must still leave the row matched by NOT.
        return fmt::format("NOT coalesce({}, false)", free_text(expression.operands.front(), text));
      case Kind::kAnd:
      case Kind::kOr:
        break;
    }
    std::vector<std::string> parts;
    for (const FreeTextExpression& operand : expression.operands) parts.push_back(free_text(operand, text));
    return fmt::format("({})", fmt::join(parts, expression.kind == Kind::kAnd ? " AND " : " OR "));
  }

 private:
  std::string param(auto value) {
    params_.add(value);
    return fmt::format("${}", params_.size());
  }

  std::string condition(const SearchCondition& condition) {
    using Op = SearchCondition::Op;
    const std::string& field = condition.field;
    if (!table_.has(field)) return "TRUE";
    const bool time = field.ends_with("_time");
    const bool single = condition.op == Op::kEqual || condition.op == Op::kNotEqual;
    if (!time && single && condition.values.front().find('*') != std::string::npos) {
      std::string pattern = param(like_pattern(condition.values.front()));
      return condition.op == Op::kEqual ? fmt::format("{} ILIKE {}", field, pattern)
                                        : fmt::format("coalesce({}, '') NOT ILIKE {}", field, pattern);
    }
    std::vector<std::string> values;
    for (const std::string& value : condition.values) {
      values.push_back(time ? param(query_time(value)) : param(value));
    }
    std::string sql;
    switch (condition.op) {
      case Op::kEqual:
        sql = fmt::format("{} = {}", field, values.front());
        break;
      case Op::kNotEqual:
        sql = fmt::format("{} IS DISTINCT FROM {}", field, values.front());
        break;
      case Op::kGreater:
        sql = fmt::format("{} > {}", field, values.front());
        break;
      case Op::kLess:
        sql = fmt::format("{} < {}", field, values.front());
        break;
      case Op::kIn:
        sql = fmt::format("{} IN ({})", field, fmt::join(values, ", "));
        break;
    }
    // Summaries written without a classifier count as workflows (Conductor's rule).
    const bool names_workflow =
        std::find(condition.values.begin(), condition.values.end(), "workflow") != condition.values.end();
    if (field == "classifier" && names_workflow && (condition.op == Op::kEqual || condition.op == Op::kIn)) {
      sql = fmt::format("({} OR classifier = '')", sql);
    }
    return sql;
  }

  std::string words(std::span<const std::string_view> columns, const FreeTextExpression& expression) {
    std::optional<std::string> regex = word_regex(expression.value, expression.prefix);
    if (!regex) return "FALSE";
    std::string pattern = param(*regex);
    std::vector<std::string> matches;
    for (std::string_view column : columns) matches.push_back(fmt::format("{} ~* {}", column, pattern));
    return fmt::format("coalesce({}, false)", fmt::join(matches, " OR "));
  }

  std::string match(const FreeTextExpression& expression, std::string_view text) {
    if (expression.field.empty()) return words(word_columns(table_), expression);
    const TextField& field = free_text_field(table_, expression.field, text);
    const std::string_view column = field.column;
    if (expression.prefix && expression.value.empty()) {
      return field.kind == FieldKind::kText && column != "reason" ? fmt::format("{} <> ''", column)
                                                                  : fmt::format("{} IS NOT NULL", column);
    }
    switch (field.kind) {
      case FieldKind::kText:
        return words(std::span(&field.column, 1), expression);
      case FieldKind::kInteger:
      case FieldKind::kTime:
        if (expression.prefix) {
          invalid_free_text_value(field, expression.value + "*",
                                  field.kind == FieldKind::kTime ? "a time or a range" : "an integer");
        }
        return fmt::format("{} = {}", column, param(free_text_number(field, expression.value)));
      case FieldKind::kKeyword:
      case FieldKind::kStatus:
        break;
    }
    // Keywords match exactly and case-sensitively, as keyword fields in Conductor's Elasticsearch
    // index; status names are enum constants, so their case does not matter.
    std::string value = expression.value;
    if (field.kind == FieldKind::kStatus) {
      for (char& c : value) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (expression.prefix) return fmt::format("{} LIKE {}", column, param(like_pattern(value) + "%"));
    return fmt::format("{} = {}", column, param(value));
  }

  std::string range(const FreeTextExpression& expression, std::string_view text) {
    const TextField& field = free_text_field(table_, expression.field, text);
    if (field.kind != FieldKind::kInteger && field.kind != FieldKind::kTime) {
      throw ValidationError(
          fmt::format("A range applies to times and numbers, not to {}, in freeText: {}", field.name, text),
          {{"freeText", "ranges apply to times and numbers", std::string(field.name)}});
    }
    std::vector<std::string> bounds;
    if (expression.lower) {
      bounds.push_back(fmt::format("{} {} {}", field.column, expression.include_lower ? ">=" : ">",
                                   param(free_text_number(field, *expression.lower))));
    }
    if (expression.upper) {
      bounds.push_back(fmt::format("{} {} {}", field.column, expression.include_upper ? "<=" : "<",
                                   param(free_text_number(field, *expression.upper))));
    }
    return bounds.empty() ? "TRUE" : fmt::format("({})", fmt::join(bounds, " AND "));
  }

  const IndexTable& table_;
  Params& params_;
};

}  // namespace

SearchSql search_sql(const IndexTable& table, const SearchQuery& query) {
  SearchSql sql;
  Builder builder(table, sql.params);
  std::vector<std::string> filters;
  if (std::optional<SearchExpression> parsed = parse_search_query(query.query)) {
    filters.push_back(builder.query(*parsed));
  }
  if (std::optional<FreeTextExpression> parsed = parse_free_text(query.free_text)) {
    filters.push_back(builder.free_text(*parsed, query.free_text));
  }
  if (!filters.empty()) sql.where = fmt::format(" WHERE {}", fmt::join(filters, " AND "));
  // doc last: pages stay stable, and without a sort rows come in the order they were first indexed.
  std::vector<std::string> order;
  for (const SearchSort& sort : parse_search_sort(query.sort)) {
    if (table.has(sort.field)) order.push_back(fmt::format("{} {}", sort.field, sort.descending ? "DESC" : "ASC"));
  }
  order.emplace_back("doc");
  sql.order = fmt::format("{}", fmt::join(order, ", "));
  return sql;
}

}  // namespace conductor::detail::pg
