#include <conductor/codec.hpp>
#include <conductor/error.hpp>

#include <fmt/format.h>

#include "storage/postgres/search_sql.hpp"
#include "storage/postgres/stores.hpp"
#include "storage/summaries.hpp"

namespace conductor::detail::pg {
namespace {

/// Runs a search over the view `from` (an index table's columns, then the stored row's `row`
/// columns, null for a kept summary) and hands each row to `summary`, which reads its columns:
/// json_data, input, output, reason, then the `row` ones.
template <class Summary, class MakeSummary>
SearchResult<Summary> search(Connection& db, const IndexTable& table, std::string_view from, std::string_view row,
                             const SearchQuery& query, MakeSummary&& summary) {
  check_paging(query);
  SearchSql sql = search_sql(table, query);
  SearchResult<Summary> result;
  result.total_hits =
      db.query_once(fmt::format("SELECT count(*) FROM {}{}", from, sql.where), sql.params).int64(0, 0);
  sql.params.add(query.size);
  sql.params.add(query.start);
  Result rows = db.query_once(
      fmt::format("SELECT json_data, input, output, reason, {} FROM {}{} ORDER BY {} LIMIT ${} OFFSET ${}", row,
                  from, sql.where, sql.order, sql.params.size() - 1, sql.params.size()),
      sql.params);
  for (int row = 0; row < rows.rows(); ++row) result.results.push_back(summary(rows, row));
  return result;
}

/// The summary a row of an index table holds.
template <class Summary>
Summary kept_summary(const Result& rows, int row) {
  Summary summary = decode<Summary>(rows.text(row, 0), JsonMode::kStorage);
  summary.input = rows.text(row, 1);
  summary.output = rows.text(row, 2);
  summary.reason_for_incompletion = rows.optional_text(row, 3);
  return summary;
}

}  // namespace

// Kept summaries are upserts, sent without waiting: they travel with the commit. doc, set on the
// first insert, stays the unsorted result order.

void keep_workflow_summary(const ActiveConnection& db, const WorkflowSummary& summary,
                           std::optional<std::int64_t> doc) {
  db.get().send(
      "INSERT INTO workflow_index (doc, workflow_id, workflow_type, version, correlation_id, start_time, "
      "update_time, end_time, status, parent_workflow_id, classifier, input, output, reason, json_data) "
      "VALUES (coalesce($15, nextval('workflow_index_doc_seq')), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
      "$13, $14) "
      "ON CONFLICT (workflow_id) DO UPDATE SET workflow_type = excluded.workflow_type, version = excluded.version, "
      "correlation_id = excluded.correlation_id, start_time = excluded.start_time, "
      "update_time = excluded.update_time, end_time = excluded.end_time, status = excluded.status, "
      "parent_workflow_id = excluded.parent_workflow_id, classifier = excluded.classifier, input = excluded.input, "
      "output = excluded.output, reason = excluded.reason, json_data = excluded.json_data",
      summary.workflow_id, summary.workflow_type, summary.version, summary.correlation_id, summary.start_time,
      summary.update_time, summary.end_time, to_string(summary.status), summary.parent_workflow_id,
      summary.classifier, summary.input, summary.output, summary.reason_for_incompletion,
      encode_without_texts(summary), doc);
}

void keep_task_summary(const ActiveConnection& db, const TaskSummary& summary, std::optional<std::int64_t> doc) {
  db.get().send(
      "INSERT INTO task_index (doc, task_id, workflow_id, workflow_type, correlation_id, task_type, task_def_name, "
      "status, start_time, update_time, end_time, input, output, reason, json_data) "
      "VALUES (coalesce($15, nextval('task_index_doc_seq')), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
      "$14) "
      "ON CONFLICT (task_id) DO UPDATE SET workflow_id = excluded.workflow_id, "
      "workflow_type = excluded.workflow_type, correlation_id = excluded.correlation_id, "
      "task_type = excluded.task_type, task_def_name = excluded.task_def_name, status = excluded.status, "
      "start_time = excluded.start_time, update_time = excluded.update_time, end_time = excluded.end_time, "
      "input = excluded.input, output = excluded.output, reason = excluded.reason, json_data = excluded.json_data",
      summary.task_id, summary.workflow_id, summary.workflow_type, summary.correlation_id, summary.task_type,
      summary.task_def_name, to_string(summary.status), summary.start_time, summary.update_time, summary.end_time,
      summary.input, summary.output, summary.reason_for_incompletion, encode_without_texts(summary), doc);
}

void PgIndexStore::index_workflow(const WorkflowSummary& summary) {
  // A workflow this transaction stored needs nothing more: its row is its summary (see
  // workflow_search).
  if (db_.stored_workflows().contains(summary.workflow_id)) return;
  keep_workflow_summary(db_, summary, std::nullopt);
}

void PgIndexStore::index_task(const TaskSummary& summary) {
  // A task this transaction stored needs nothing more: its row is its summary (see task_search).
  if (db_.stored_tasks().contains(summary.task_id)) return;
  keep_task_summary(db_, summary, std::nullopt);
}

void PgIndexStore::remove_workflow(std::string_view workflow_id) {
  db_.removed_summaries().emplace(workflow_id);
  Connection& db = db_.get();
  db.send("DELETE FROM task_index WHERE workflow_id = $1", workflow_id);
  db.send("DELETE FROM workflow_index WHERE workflow_id = $1", workflow_id);
}

SearchResult<WorkflowSummary> PgIndexStore::search_workflows(const SearchQuery& query) {
  return search<WorkflowSummary>(db_.get(), kWorkflowIndex, "workflow_search", "json, snapshot_id", query,
                                 [this](const Result& rows, int row) {
                                   if (rows.is_null(row, 4)) return kept_summary<WorkflowSummary>(rows, row);
                                   return workflow_summary(execution_.workflow_row(rows, row, 4));
                                 });
}

SearchResult<TaskSummary> PgIndexStore::search_tasks(const SearchQuery& query) {
  return search<TaskSummary>(db_.get(), kTaskIndex, "task_search", "json", query, [](const Result& rows, int row) {
    if (rows.is_null(row, 4)) return kept_summary<TaskSummary>(rows, row);
    return task_summary(decode<Task>(rows.text(row, 4), JsonMode::kStorage));
  });
}

}  // namespace conductor::detail::pg
