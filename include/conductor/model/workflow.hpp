#pragma once

#include <conductor/model/shared.hpp>
#include <conductor/model/task.hpp>
#include <conductor/model/workflow_def.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace conductor {

/// One run of a workflow definition (Conductor's Workflow). Holds a snapshot of the definition it
/// runs; the snapshot, not the registry, drives it.
struct Workflow : Auditable {
  std::string workflow_id;
  WorkflowStatus status = WorkflowStatus::kRunning;
  Shared<WorkflowDef> workflow_definition;  ///< shared with the workflow's copies
  std::int64_t end_time = 0;
  JsonObject input;
  JsonObject output;
  JsonObject variables;
  std::vector<Task> tasks;  ///< ordered by seq
  int priority = 0;
  std::optional<std::string> correlation_id;
  std::map<std::string, std::string> task_to_domain;
  std::optional<std::string> parent_workflow_id;
  std::optional<std::string> parent_workflow_task_id;
  std::optional<std::string> re_run_from_workflow_id;
  std::optional<std::string> reason_for_incompletion;
  std::vector<std::string> failed_reference_task_names;  ///< a set: kept sorted and unique
  std::vector<std::string> failed_task_names;            ///< a set: kept sorted and unique
  std::optional<std::string> event;
  std::int64_t last_retried_time = 0;
  std::optional<std::string> external_input_payload_storage_path;
  std::optional<std::string> external_output_payload_storage_path;
  std::vector<Workflow> history;
  std::optional<std::string> idempotency_key;
  std::optional<std::string> rate_limit_key;
  bool rate_limited = false;

  // Engine bookkeeping: stored, never sent on the wire.
  std::optional<WorkflowStatus> previous_status;
  std::optional<std::string> failed_task_id;

  const std::string& workflow_name() const { return workflow_definition->name; }
  int workflow_version() const { return workflow_definition->version; }

  bool operator==(const Workflow&) const = default;
};

}  // namespace conductor
