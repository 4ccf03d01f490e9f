#include <conductor/error.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <span>
#include <variant>

#include "storage/search_query.hpp"
#include "storage/sqlite/stores.hpp"

namespace conductor::detail {
namespace {

/// An index table and the query fields it can filter and sort on (Conductor's valid fields, less the
/// ones the table has no column for; those are ignored like unknown fields).
struct IndexTable {
  std::string_view name;
  std::span<const std::string_view> fields;

  bool has(std::string_view field) const { return std::find(fields.begin(), fields.end(), field) != fields.end(); }
};

constexpr std::string_view kWorkflowFields[] = {"workflow_id", "correlation_id",     "workflow_type",
                                                "start_time",  "end_time",           "update_time",
                                                "status",      "parent_workflow_id", "classifier",
                                                "json_data"};
constexpr std::string_view kTaskFields[] = {"task_id",    "workflow_id", "workflow_type", "correlation_id",
                                            "task_type",  "task_def_name", "status",      "start_time",
                                            "update_time", "end_time",    "json_data"};
constexpr IndexTable kWorkflowIndex{"workflow_index", kWorkflowFields};
constexpr IndexTable kTaskIndex{"task_index", kTaskFields};

using SqlValue = std::variant<std::int64_t, std::string>;

/// `text` as a LIKE pattern (escape `\`): LIKE's own wildcards are literal, `*` matches anything.
std::string like_pattern(std::string_view text) {
  std::string pattern;
  for (char c : text) {
    if (c == '*') {
      pattern += '%';
      continue;
    }
    if (c == '%' || c == '_' || c == '\\') {
      pattern += '\\';
    }
    pattern += c;
  }
  return pattern;
}

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

  std::string free_text(std::string_view text) {
    params_.emplace_back(fmt::format("%{}%", like_pattern(text)));
    return "json_data LIKE ? ESCAPE '\\'";
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
    std::int64_t millis = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), millis);
    if (error != std::errc() || end != value.data() + value.size()) {
      throw ValidationError(fmt::format("Invalid time value {}: expected epoch milliseconds", value),
                            {{"query", "time values are epoch milliseconds", value}});
    }
    params_.emplace_back(millis);
  }

  const IndexTable& table_;
  std::vector<SqlValue> params_;
};

void bind_values(Statement& statement, const std::vector<SqlValue>& values) {
  int index = 0;
  for (const SqlValue& value : values) {
    std::visit([&](const auto& v) { statement.bind(++index, v); }, value);
  }
}

template <class Summary>
SearchResult<Summary> search(Connection& db, const IndexTable& table, const SearchQuery& query) {
  if (query.start < 0 || query.size < 0) {
    throw ValidationError("Search start and size must not be negative",
                          {{query.start < 0 ? "start" : "size", "must not be negative",
                            std::to_string(query.start < 0 ? query.start : query.size)}});
  }
  WhereBuilder builder(table);
  std::vector<std::string> filters;
  if (std::optional<SearchExpression> parsed = parse_search_query(query.query)) {
    filters.push_back(builder.expression(*parsed));
  }
  if (!query.free_text.empty() && query.free_text != "*") {
    filters.push_back(builder.free_text(query.free_text));
  }
  std::string where = filters.empty() ? "" : fmt::format(" WHERE {}", fmt::join(filters, " AND "));

  // Row id last: pages stay stable, and without a sort rows come in the order they were first indexed.
  std::vector<std::string> order;
  for (const SearchSort& sort : parse_search_sort(query.sort)) {
    if (table.has(sort.field)) {
      order.push_back(fmt::format("{} {}", sort.field, sort.descending ? "DESC" : "ASC"));
    }
  }
  order.emplace_back("rowid");

  SearchResult<Summary> result;
  std::unique_ptr<Statement> count = db.prepare(fmt::format("SELECT count(*) FROM {}{}", table.name, where));
  bind_values(*count, builder.params());
  count->step();
  result.total_hits = count->int64(0);

  std::vector<SqlValue>& params = builder.params();
  params.emplace_back(std::int64_t{query.size});
  params.emplace_back(std::int64_t{query.start});
  std::unique_ptr<Statement> rows = db.prepare(fmt::format("SELECT json_data FROM {}{} ORDER BY {} LIMIT ? OFFSET ?",
                                                           table.name, where, fmt::join(order, ", ")));
  bind_values(*rows, params);
  while (rows->step()) {
    result.results.push_back(decode<Summary>(rows->text(0), JsonMode::kStorage));
  }
  return result;
}

}  // namespace

void SqliteIndexStore::index_workflow(const WorkflowSummary& summary) {
  // An upsert, not INSERT OR REPLACE: the row keeps its row id, which is the unsorted result order.
  db_.get().execute(
      "INSERT INTO workflow_index (workflow_id, workflow_type, correlation_id, start_time, update_time, end_time, "
      "status, parent_workflow_id, classifier, json_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (workflow_id) DO UPDATE SET workflow_type = excluded.workflow_type, "
      "correlation_id = excluded.correlation_id, start_time = excluded.start_time, "
      "update_time = excluded.update_time, end_time = excluded.end_time, status = excluded.status, "
      "parent_workflow_id = excluded.parent_workflow_id, classifier = excluded.classifier, "
      "json_data = excluded.json_data",
      summary.workflow_id, summary.workflow_type, summary.correlation_id, summary.start_time, summary.update_time,
      summary.end_time, to_string(summary.status), summary.parent_workflow_id, summary.classifier,
      encode(summary, JsonMode::kStorage));
}

void SqliteIndexStore::index_task(const TaskSummary& summary) {
  db_.get().execute(
      "INSERT INTO task_index (task_id, workflow_id, workflow_type, correlation_id, task_type, task_def_name, "
      "status, start_time, update_time, end_time, json_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (task_id) DO UPDATE SET workflow_id = excluded.workflow_id, "
      "workflow_type = excluded.workflow_type, correlation_id = excluded.correlation_id, "
      "task_type = excluded.task_type, task_def_name = excluded.task_def_name, status = excluded.status, "
      "start_time = excluded.start_time, update_time = excluded.update_time, end_time = excluded.end_time, "
      "json_data = excluded.json_data",
      summary.task_id, summary.workflow_id, summary.workflow_type, summary.correlation_id, summary.task_type,
      summary.task_def_name, to_string(summary.status), summary.start_time, summary.update_time, summary.end_time,
      encode(summary, JsonMode::kStorage));
}

void SqliteIndexStore::remove_workflow(std::string_view workflow_id) {
  Connection& db = db_.get();
  db.execute("DELETE FROM task_index WHERE workflow_id = ?", workflow_id);
  db.execute("DELETE FROM workflow_index WHERE workflow_id = ?", workflow_id);
}

SearchResult<WorkflowSummary> SqliteIndexStore::search_workflows(const SearchQuery& query) {
  return search<WorkflowSummary>(db_.get(), kWorkflowIndex, query);
}

SearchResult<TaskSummary> SqliteIndexStore::search_tasks(const SearchQuery& query) {
  return search<TaskSummary>(db_.get(), kTaskIndex, query);
}

}  // namespace conductor::detail
