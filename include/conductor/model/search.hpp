#pragma once

#include <conductor/model/enums.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace conductor {

/// A workflow as the search index shows it. Times are epoch ms here; the wire renders them as
/// ISO-8601 strings.
struct WorkflowSummary {
  std::string workflow_type;
  int version = 0;
  std::string workflow_id;
  std::optional<std::string> correlation_id;
  std::int64_t start_time = 0;
  std::int64_t update_time = 0;
  std::int64_t end_time = 0;
  WorkflowStatus status = WorkflowStatus::kRunning;
  std::string input;   ///< JSON text
  std::string output;  ///< JSON text
  std::optional<std::string> reason_for_incompletion;
  std::int64_t execution_time = 0;
  std::optional<std::string> event;
  std::string failed_reference_task_names;  ///< comma-joined
  std::vector<std::string> failed_task_names;
  std::optional<std::string> external_input_payload_storage_path;
  std::optional<std::string> external_output_payload_storage_path;
  int priority = 0;
  std::optional<std::string> created_by;
  std::map<std::string, std::string> task_to_domain;
  std::optional<std::string> idempotency_key;
  std::string parent_workflow_id;
  std::string classifier = "workflow";
};

/// A task as the search index shows it.
struct TaskSummary {
  std::string workflow_id;
  std::string workflow_type;
  std::optional<std::string> correlation_id;
  std::int64_t scheduled_time = 0;
  std::int64_t start_time = 0;
  std::int64_t update_time = 0;
  std::int64_t end_time = 0;
  TaskStatus status = TaskStatus::kScheduled;
  std::optional<std::string> reason_for_incompletion;
  std::int64_t execution_time = 0;
  std::int64_t queue_wait_time = 0;
  std::string task_def_name;
  std::string task_type;
  std::string input;   ///< JSON text
  std::string output;  ///< JSON text
  std::string task_id;
  std::optional<std::string> external_input_payload_storage_path;
  std::optional<std::string> external_output_payload_storage_path;
  int workflow_priority = 0;
  std::optional<std::string> domain;
};

template <class T>
struct SearchResult {
  std::int64_t total_hits = 0;
  std::vector<T> results;
};

/// Outcome of a bulk operation: ids that succeeded, and an error message per id that did not.
struct BulkResponse {
  std::vector<std::string> bulk_successful_results;
  std::map<std::string, std::string> bulk_error_results;
};

/// A parsed search request over workflows or tasks.
struct SearchQuery {
  int start = 0;
  int size = 100;
  std::vector<std::string> sort;  ///< `field:ASC|DESC` or `ASC|DESC:field`
  /// Lucene-style query text (docs/search.md): `status:COMPLETED AND "ada lovelace"`; `*` for all.
  std::string free_text = "*";
  std::string query;  ///< Conductor's query grammar, e.g. `workflowType = 'x' AND status IN (RUNNING, PAUSED)`
};

}  // namespace conductor
