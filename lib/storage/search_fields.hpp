#pragma once

#include <conductor/codec.hpp>
#include <conductor/storage/storage.hpp>

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

/// What the search index holds and how each field is queried, shared by the backends that turn
/// parsed queries (search_query.hpp) into their own SQL.
namespace conductor::detail {

/// How free text matches a field: keywords exactly (or by prefix), numbers and times exactly or by
/// range, texts by their words.
enum class FieldKind { kKeyword, kStatus, kInteger, kTime, kText };

struct TextField {
  std::string_view name;    ///< as free text spells it
  std::string_view column;  ///< in the index table (and for kText in a full-text table)
  FieldKind kind;
};

/// An index table, the query fields it can filter and sort on (Conductor's valid fields, less the
/// ones the table has no column for; those are ignored like unknown fields), and the fields free
/// text knows.
struct IndexTable {
  std::string_view name;
  std::string_view text_table;
  std::span<const std::string_view> fields;
  std::span<const TextField> text_fields;

  bool has(std::string_view field) const { return std::find(fields.begin(), fields.end(), field) != fields.end(); }
};

inline constexpr std::string_view kWorkflowFields[] = {"workflow_id", "correlation_id",     "workflow_type",
                                                       "start_time",  "end_time",           "update_time",
                                                       "status",      "parent_workflow_id", "classifier"};
inline constexpr std::string_view kTaskFields[] = {"task_id",     "workflow_id",   "workflow_type", "correlation_id",
                                                   "task_type",   "task_def_name", "status",        "start_time",
                                                   "update_time", "end_time"};
inline constexpr TextField kWorkflowTextFields[] = {
    {"workflowId", "workflow_id", FieldKind::kKeyword},   {"workflowType", "workflow_type", FieldKind::kKeyword},
    {"version", "version", FieldKind::kInteger},          {"correlationId", "correlation_id", FieldKind::kKeyword},
    {"status", "status", FieldKind::kStatus},             {"startTime", "start_time", FieldKind::kTime},
    {"reasonForIncompletion", "reason", FieldKind::kText}, {"input", "input", FieldKind::kText},
    {"output", "output", FieldKind::kText}};
inline constexpr TextField kTaskTextFields[] = {
    {"taskId", "task_id", FieldKind::kKeyword},           {"taskType", "task_type", FieldKind::kKeyword},
    {"taskDefName", "task_def_name", FieldKind::kKeyword}, {"workflowId", "workflow_id", FieldKind::kKeyword},
    {"status", "status", FieldKind::kStatus},             {"startTime", "start_time", FieldKind::kTime},
    {"reasonForIncompletion", "reason", FieldKind::kText}, {"input", "input", FieldKind::kText},
    {"output", "output", FieldKind::kText}};
inline constexpr IndexTable kWorkflowIndex{"workflow_index", "workflow_text", kWorkflowFields, kWorkflowTextFields};
inline constexpr IndexTable kTaskIndex{"task_index", "task_text", kTaskFields, kTaskTextFields};

/// `text` as a LIKE pattern (escape `\`): LIKE's own wildcards are literal, `*` matches anything.
std::string like_pattern(std::string_view text);

/// A query's time value (epoch milliseconds); ValidationError otherwise.
std::int64_t query_time(const std::string& value);

/// The free-text field named `name` in `table`; ValidationError naming the known ones otherwise.
/// `text` is the whole free text, for the message.
const TextField& free_text_field(const IndexTable& table, const std::string& name, std::string_view text);

/// A free-text value of an integer or time field (times also as ISO-8601); ValidationError otherwise.
std::int64_t free_text_number(const TextField& field, const std::string& value);

/// ValidationError: `value` is not what `field` takes.
[[noreturn]] void invalid_free_text_value(const TextField& field, std::string_view value, std::string_view expected);

/// ValidationError when the query's start or size is negative.
void check_paging(const SearchQuery& query);

/// The summary without the texts that live in columns of their own (input, output, reason), so
/// json_data does not hold them twice.
template <class Summary>
std::string encode_without_texts(const Summary& summary) {
  Summary rest = summary;
  rest.input.clear();
  rest.output.clear();
  rest.reason_for_incompletion.reset();
  return encode(rest, JsonMode::kStorage);
}

}  // namespace conductor::detail
