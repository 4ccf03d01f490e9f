#include <conductor/error.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <span>
#include <utility>
#include <variant>

#include "json/fields.hpp"
#include "storage/search_fields.hpp"
#include "storage/search_query.hpp"
#include "storage/sqlite/stores.hpp"

namespace conductor::detail {
namespace {

using SqlValue = std::variant<std::int64_t, std::string>;

/// Translates a parsed query into a WHERE clause over one index table, collecting its parameters.
class WhereBuilder {
 public:
  explicit WhereBuilder(const IndexTable& table) : table_(table) {}

  std::string expression(const SearchExpression& expression) {
    if (expression.kind == SearchExpression::Kind::kCondition) {
      return condition(expression.condition);
    }
    std::vector<std::string> parts;
    for (const SearchExpression& operand : expression.operands) {
      parts.push_back(this->expression(operand));
    }
    return fmt::format("({})", fmt::join(parts, expression.kind == SearchExpression::Kind::kAnd ? " AND " : " OR "));
  }

  std::vector<SqlValue>& params() { return params_; }

 private:
  std::string condition(const SearchCondition& condition) {
    using Op = SearchCondition::Op;
    const std::string& field = condition.field;
    if (!table_.has(field)) {
      return "1";
    }
    bool time = field.ends_with("_time");
    bool single = condition.op == Op::kEqual || condition.op == Op::kNotEqual;
    if (!time && single && condition.values.front().find('*') != std::string::npos) {
      params_.emplace_back(like_pattern(condition.values.front()));
      return condition.op == Op::kEqual ? fmt::format("{} LIKE ? ESCAPE '\\'", field)
                                        : fmt::format("coalesce({}, '') NOT LIKE ? ESCAPE '\\'", field);
    }
    for (const std::string& value : condition.values) {
      add_param(value, time);
    }
    std::string sql;
    switch (condition.op) {
      case Op::kEqual:
        sql = fmt::format("{} = ?", field);
        break;
      case Op::kNotEqual:
        sql = fmt::format("{} IS NOT ?", field);
        break;
      case Op::kGreater:
        sql = fmt::format("{} > ?", field);
        break;
      case Op::kLess:
        sql = fmt::format("{} < ?", field);
        break;
      case Op::kIn: {
        std::vector<std::string_view> placeholders(condition.values.size(), "?");
        sql = fmt::format("{} IN ({})", field, fmt::join(placeholders, ", "));
        break;
      }
    }
    // Summaries written without a classifier count as workflows (Conductor's rule).
    bool names_workflow = std::find(condition.values.begin(), condition.values.end(), "workflow") !=
                          condition.values.end();
    if (field == "classifier" && names_workflow && (condition.op == Op::kEqual || condition.op == Op::kIn)) {
      sql = fmt::format("({} OR classifier = '')", sql);
    }
    return sql;
  }

  void add_param(const std::string& value, bool time) {
    if (!time) {
      params_.emplace_back(value);
      return;
    }
    params_.emplace_back(query_time(value));
  }

  const IndexTable& table_;
  std::vector<SqlValue> params_;
};

/// `text` as an FTS5 string: the tokenizer splits it into a phrase, so `order_flow` and
/// `5b0c2f7e-...` find the words in that order.
std::string fts_string(std::string_view text, bool prefix) {
  std::string quoted = "\"";
  for (char c : text) {
    // FTS5 reads its query up to a NUL, which would cut the string open; the tokenizer takes
    // NUL for a separator anyway, as it does a space.
    quoted += c == '\0' ? ' ' : c;
    if (c == '"') {
      quoted += '"';
    }
  }
  quoted += prefix ? "\" *" : "\"";
  return quoted;
}

/// The smallest string greater than every string starting with `prefix` (byte order, as SQLite's
/// BINARY collation), or nullopt when there is none. UTF-8 never holds 0xff bytes, so a valid
/// prefix always has one; the loop is for bytes that are not UTF-8.
std::optional<std::string> prefix_end(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) {
    prefix.pop_back();
  }
  if (prefix.empty()) {
    return std::nullopt;
  }
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

/// Translates parsed free text into a WHERE clause over one index table: words through its
/// full-text table, other fields through B-tree indexes. Parameters go to the shared list.
class FreeTextBuilder {
 public:
  FreeTextBuilder(const IndexTable& table, std::string_view text, std::vector<SqlValue>& params)
      : table_(table), text_(text), params_(params) {}

  std::string expression(const FreeTextExpression& expression) {
    if (std::optional<std::string> query = fts(expression)) {
      return match(*query);
    }
    switch (expression.kind) {
      case Kind::kAll:
        return "1";
      case Kind::kMatch:
        return field_match(expression);
      case Kind::kRange:
        return range(expression);
      case Kind::kNot:
        // A field may be NULL (a workflow without correlation id): NOT must still keep that row.
        return fmt::format("NOT coalesce({}, 0)", this->expression(expression.operands.front()));
      case Kind::kAnd:
      case Kind::kOr:
        break;
    }
    // The operands the full-text table can answer go to it as one query; the rest stay SQL.
    bool conjunction = expression.kind == Kind::kAnd;
    std::vector<std::string> positive;
    std::vector<std::string> negative;
    std::vector<std::string> parts;
    std::vector<const FreeTextExpression*> rest;
    for (const FreeTextExpression& operand : expression.operands) {
      if (std::optional<std::string> query = fts(operand)) {
        positive.push_back(std::move(*query));
      } else if (conjunction && operand.kind == Kind::kNot && fts(operand.operands.front())) {
        negative.push_back(*fts(operand.operands.front()));
      } else {
        rest.push_back(&operand);
      }
    }
    // Words are rarer than a type or a status: beside a full-text match the other conditions only
    // filter its rows. Without statistics SQLite would often walk a status or type index instead.
    bool filter_only = std::exchange(filter_only_, filter_only_ || (conjunction && !positive.empty()));
    for (const FreeTextExpression* operand : rest) {
      parts.push_back(this->expression(*operand));
    }
    filter_only_ = filter_only;
    if (!positive.empty()) {
      parts.push_back(match(fts_combine(positive, negative, conjunction)));
    } else {
      for (const std::string& query : negative) {
        parts.push_back(fmt::format("NOT {}", match(query)));
      }
    }
    return fmt::format("({})", fmt::join(parts, conjunction ? " AND " : " OR "));
  }

 private:
  using Kind = FreeTextExpression::Kind;

  std::string match(const std::string& query) {
    params_.emplace_back(query);
    return fmt::format("doc IN (SELECT rowid FROM {0} WHERE {0} MATCH ?)", table_.text_table);
  }

  /// `positive` joined by AND or OR, less each of `negative`. FTS5's NOT is binary and binds
  /// tightest, so `a AND b NOT c NOT d` reads as a AND ((b NOT c) NOT d): the same set, unnested.
  static std::string fts_combine(const std::vector<std::string>& positive, const std::vector<std::string>& negative,
                                 bool conjunction) {
    std::string query;
    for (const std::string& part : positive) {
      query += query.empty() ? "" : conjunction ? " AND " : " OR ";
      query += fmt::format("({})", part);
    }
    for (const std::string& part : negative) {
      query += fmt::format(" NOT ({})", part);
    }
    return query;
  }

  /// The FTS5 query answering all of `expression`, when the full-text table can.
  std::optional<std::string> fts(const FreeTextExpression& expression) {
    switch (expression.kind) {
      case Kind::kMatch: {
        if (expression.field.empty()) {
          return fts_string(expression.value, expression.prefix);
        }
        const TextField& field = lookup(expression.field);
        if (field.kind != FieldKind::kText || (expression.prefix && expression.value.empty())) {
          return std::nullopt;
        }
        return fmt::format("{} : {}", field.column, fts_string(expression.value, expression.prefix));
      }
      case Kind::kAnd:
      case Kind::kOr: {
        std::vector<std::string> positive;
        std::vector<std::string> negative;
        for (const FreeTextExpression& operand : expression.operands) {
          if (std::optional<std::string> query = fts(operand)) {
            positive.push_back(std::move(*query));
          } else if (expression.kind == Kind::kAnd && operand.kind == Kind::kNot && fts(operand.operands.front())) {
            negative.push_back(*fts(operand.operands.front()));
          } else {
            return std::nullopt;
          }
        }
        if (positive.empty()) {
          return std::nullopt;
        }
        return fts_combine(positive, negative, expression.kind == Kind::kAnd);
      }
      case Kind::kAll:
      case Kind::kRange:
      case Kind::kNot:
        return std::nullopt;
    }
    return std::nullopt;
  }

  const TextField& lookup(const std::string& name) const { return free_text_field(table_, name, text_); }

  [[noreturn]] void invalid(const TextField& field, std::string_view value, std::string_view expected) const {
    invalid_free_text_value(field, value, expected);
  }

  std::int64_t number(const TextField& field, const std::string& value) const {
    return free_text_number(field, value);
  }

  /// `field:value`, `field:"value"`, `field:prefix*` and `field:*` (the field is set).
  std::string field_match(const FreeTextExpression& expression) {
    const TextField& field = lookup(expression.field);
    std::string column = column_ref(field);
    if (expression.prefix && expression.value.empty()) {
      return field.kind == FieldKind::kText && field.column != "reason" ? fmt::format("{} <> ''", column)
                                                                        : fmt::format("{} IS NOT NULL", column);
    }
    switch (field.kind) {
      case FieldKind::kInteger:
      case FieldKind::kTime:
        if (expression.prefix) {
          invalid(field, expression.value + "*", field.kind == FieldKind::kTime ? "a time or a range" : "an integer");
        }
        params_.emplace_back(number(field, expression.value));
        return fmt::format("{} = ?", column);
      case FieldKind::kKeyword:
      case FieldKind::kStatus:
      case FieldKind::kText:
        break;
    }
    // Keywords match exactly and case-sensitively, as keyword fields in Conductor's Elasticsearch
    // index; status names are enum constants, so their case does not matter.
    std::string value = field.kind == FieldKind::kStatus ? upper(expression.value) : expression.value;
    if (!expression.prefix) {
      params_.emplace_back(std::move(value));
      return fmt::format("{} = ?", column);
    }
    // A prefix is a range, which the column's index answers (LIKE and GLOB would need a literal).
    std::optional<std::string> end = prefix_end(value);
    params_.emplace_back(std::move(value));
    if (!end) {
      return fmt::format("{} >= ?", column);
    }
    params_.emplace_back(std::move(*end));
    return fmt::format("({0} >= ? AND {0} < ?)", column);
  }

  std::string range(const FreeTextExpression& expression) {
    const TextField& field = lookup(expression.field);
    if (field.kind != FieldKind::kInteger && field.kind != FieldKind::kTime) {
      throw ValidationError(fmt::format("A range applies to times and numbers, not to {}, in freeText: {}",
                                        field.name, text_),
                            {{"freeText", "ranges apply to times and numbers", std::string(field.name)}});
    }
    std::vector<std::string> bounds;
    std::string column = column_ref(field);
    if (expression.lower) {
      params_.emplace_back(number(field, *expression.lower));
      bounds.push_back(fmt::format("{} {} ?", column, expression.include_lower ? ">=" : ">"));
    }
    if (expression.upper) {
      params_.emplace_back(number(field, *expression.upper));
      bounds.push_back(fmt::format("{} {} ?", column, expression.include_upper ? "<=" : "<"));
    }
    return bounds.empty() ? "1" : fmt::format("({})", fmt::join(bounds, " AND "));
  }

  /// The column, or with filter_only_ an expression of it (SQLite uses no index for `+column`).
  std::string column_ref(const TextField& field) const {
    return fmt::format("{}{}", filter_only_ ? "+" : "", field.column);
  }

  static std::string upper(std::string_view text) {
    std::string result(text);
    for (char& c : result) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return result;
  }

  const IndexTable& table_;
  std::string_view text_;
  std::vector<SqlValue>& params_;
  bool filter_only_ = false;  ///< building conditions that sit beside a full-text match in an AND
};

void bind_values(Statement& statement, const std::vector<SqlValue>& values) {
  int index = 0;
  for (const SqlValue& value : values) {
    std::visit([&](const auto& v) { statement.bind(++index, v); }, value);
  }
}

template <class Summary>
SearchResult<Summary> search(Connection& db, const IndexTable& table, const SearchQuery& query) {
  check_paging(query);
  WhereBuilder builder(table);
  std::vector<std::string> filters;
  if (std::optional<SearchExpression> parsed = parse_search_query(query.query)) {
    filters.push_back(builder.expression(*parsed));
  }
  if (std::optional<FreeTextExpression> parsed = parse_free_text(query.free_text)) {
    filters.push_back(FreeTextBuilder(table, query.free_text, builder.params()).expression(*parsed));
  }
  std::string where = filters.empty() ? "" : fmt::format(" WHERE {}", fmt::join(filters, " AND "));

  // Row id last: pages stay stable, and without a sort rows come in the order they were first indexed.
  std::vector<std::string> order;
  for (const SearchSort& sort : parse_search_sort(query.sort)) {
    if (table.has(sort.field)) {
      order.push_back(fmt::format("{} {}", sort.field, sort.descending ? "DESC" : "ASC"));
    }
  }
  order.emplace_back("doc");

  SearchResult<Summary> result;
  std::unique_ptr<Statement> count = db.prepare(fmt::format("SELECT count(*) FROM {}{}", table.name, where));
  bind_values(*count, builder.params());
  count->step();
  result.total_hits = count->int64(0);

  std::vector<SqlValue>& params = builder.params();
  params.emplace_back(std::int64_t{query.size});
  params.emplace_back(std::int64_t{query.start});
  // The page's rows are chosen first and read afterwards: a sort over many matches then carries row
  // ids, not whole summaries.
  std::unique_ptr<Statement> rows = db.prepare(fmt::format(
      "SELECT json_data, input, output, reason FROM {0} WHERE doc IN "
      "(SELECT doc FROM {0}{1} ORDER BY {2} LIMIT ? OFFSET ?) ORDER BY {2}",
      table.name, where, fmt::join(order, ", ")));
  bind_values(*rows, params);
  while (rows->step()) {
    Summary summary = decode<Summary>(rows->text(0), JsonMode::kStorage);
    summary.input = rows->text(1);
    summary.output = rows->text(2);
    summary.reason_for_incompletion = rows->optional_text(3);
    result.results.push_back(std::move(summary));
  }
  return result;
}

}  // namespace

// Each summary is written by an upsert of the columns no index covers, then by updates of the
// indexed ones that skip rows where those did not change: SQLite rewrites an index entry whenever
// its column is assigned, even to the same value, and most writes change only times and json_data.
// Status (and a task's start time) change in steps of their own; the others almost never.

void SqliteIndexStore::index_workflow(const WorkflowSummary& summary) {
  Connection& db = db_.get();
  // An upsert, not INSERT OR REPLACE: the row keeps its row id, which is the unsorted result order.
  db.execute(
      "INSERT INTO workflow_index (workflow_id, workflow_type, version, correlation_id, start_time, update_time, "
      "end_time, status, parent_workflow_id, classifier, input, output, reason, json_data) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (workflow_id) DO UPDATE SET update_time = excluded.update_time, end_time = excluded.end_time, "
      "parent_workflow_id = excluded.parent_workflow_id, classifier = excluded.classifier, "
      "input = excluded.input, output = excluded.output, reason = excluded.reason, json_data = excluded.json_data",
      summary.workflow_id, summary.workflow_type, summary.version, summary.correlation_id, summary.start_time,
      summary.update_time, summary.end_time, to_string(summary.status), summary.parent_workflow_id,
      summary.classifier, summary.input, summary.output, summary.reason_for_incompletion,
      encode_without_texts(summary));
  db.execute("UPDATE workflow_index SET status = ?2 WHERE workflow_id = ?1 AND status IS NOT ?2", summary.workflow_id,
             to_string(summary.status));
  db.execute(
      "UPDATE workflow_index SET workflow_type = ?2, version = ?3, correlation_id = ?4, start_time = ?5 "
      "WHERE workflow_id = ?1 AND (workflow_type IS NOT ?2 OR version IS NOT ?3 OR correlation_id IS NOT ?4 "
      "OR start_time IS NOT ?5)",
      summary.workflow_id, summary.workflow_type, summary.version, summary.correlation_id, summary.start_time);
}

void SqliteIndexStore::index_task(const TaskSummary& summary) {
  Connection& db = db_.get();
  db.execute(
      "INSERT INTO task_index (task_id, workflow_id, workflow_type, correlation_id, task_type, task_def_name, "
      "status, start_time, update_time, end_time, input, output, reason, json_data) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (task_id) DO UPDATE SET workflow_type = excluded.workflow_type, "
      "correlation_id = excluded.correlation_id, update_time = excluded.update_time, end_time = excluded.end_time, "
      "input = excluded.input, output = excluded.output, reason = excluded.reason, json_data = excluded.json_data",
      summary.task_id, summary.workflow_id, summary.workflow_type, summary.correlation_id, summary.task_type,
      summary.task_def_name, to_string(summary.status), summary.start_time, summary.update_time, summary.end_time,
      summary.input, summary.output, summary.reason_for_incompletion, encode_without_texts(summary));
  db.execute(
      "UPDATE task_index SET status = ?2, start_time = ?3 WHERE task_id = ?1 AND (status IS NOT ?2 "
      "OR start_time IS NOT ?3)",
      summary.task_id, to_string(summary.status), summary.start_time);
  db.execute(
      "UPDATE task_index SET workflow_id = ?2, task_type = ?3, task_def_name = ?4 WHERE task_id = ?1 "
      "AND (workflow_id IS NOT ?2 OR task_type IS NOT ?3 OR task_def_name IS NOT ?4)",
      summary.task_id, summary.workflow_id, summary.task_type, summary.task_def_name);
}

void SqliteIndexStore::remove_workflow(std::string_view workflow_id) {
  Connection& db = db_.get();
  db.execute("DELETE FROM task_index WHERE workflow_id = ?", workflow_id);
  db.execute("DELETE FROM workflow_index WHERE workflow_id = ?", workflow_id);
}

namespace {

/// The statements that bring one full-text table up to date: whether anything is pending; stale
/// entries removed with the texts the table holds for them (recorded when a document first changed
/// after the last flush); every pending document that still exists indexed with its current texts.
struct TextFlush {
  std::string_view pending;
  std::string_view remove_stale;
  std::string_view index_current;
  std::string_view clear;
};

constexpr TextFlush kTextFlushes[] = {
    {"SELECT EXISTS (SELECT 1 FROM workflow_text_pending)",
     "INSERT INTO workflow_text (workflow_text, rowid, workflow_id, workflow_type, correlation_id, input, output, "
     "reason) SELECT 'delete', doc, workflow_id, workflow_type, correlation_id, input, output, reason "
     "FROM workflow_text_pending WHERE indexed = 1",
     "INSERT INTO workflow_text (rowid, workflow_id, workflow_type, correlation_id, input, output, reason) "
     "SELECT i.doc, i.workflow_id, i.workflow_type, i.correlation_id, i.input, i.output, i.reason "
     "FROM workflow_text_pending p JOIN workflow_index i ON i.doc = p.doc",
     "DELETE FROM workflow_text_pending"},
    {"SELECT EXISTS (SELECT 1 FROM task_text_pending)",
     "INSERT INTO task_text (task_text, rowid, task_id, task_type, task_def_name, workflow_id, workflow_type, "
     "correlation_id, input, output, reason) SELECT 'delete', doc, task_id, task_type, task_def_name, workflow_id, "
     "workflow_type, correlation_id, input, output, reason FROM task_text_pending WHERE indexed = 1",
     "INSERT INTO task_text (rowid, task_id, task_type, task_def_name, workflow_id, workflow_type, correlation_id, "
     "input, output, reason) SELECT i.doc, i.task_id, i.task_type, i.task_def_name, i.workflow_id, i.workflow_type, "
     "i.correlation_id, i.input, i.output, i.reason FROM task_text_pending p JOIN task_index i ON i.doc = p.doc",
     "DELETE FROM task_text_pending"},
};

}  // namespace

void SqliteIndexStore::flush_free_text() {
  Connection& db = db_.get();
  for (const TextFlush& flush : kTextFlushes) {
    // A full-text table touched in a transaction makes its later statements costly: only when needed.
    {
      ScopedStatement pending = db.query(flush.pending);
      if (!pending->step() || pending->int64(0) == 0) continue;
    }
    db.execute(flush.remove_stale);
    db.execute(flush.index_current);
    db.execute(flush.clear);
  }
}

SearchResult<WorkflowSummary> SqliteIndexStore::search_workflows(const SearchQuery& query) {
  return search<WorkflowSummary>(db_.get(), kWorkflowIndex, query);
}

SearchResult<TaskSummary> SqliteIndexStore::search_tasks(const SearchQuery& query) {
  return search<TaskSummary>(db_.get(), kTaskIndex, query);
}

}  // namespace conductor::detail
