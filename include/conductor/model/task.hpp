#pragma once

#include <conductor/model/shared.hpp>
#include <conductor/model/workflow_task.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace conductor {

/// One attempt of one workflow node (Conductor's Task). A node can produce many tasks: retries get a
/// new id with retry_count + 1, loop iterations get the reference name suffix `__N`.
struct Task {
  std::string task_id;
  std::string task_type;  ///< queue name part: the node name for SIMPLE, the type for system tasks
  std::string task_def_name;
  std::string reference_task_name;
  TaskStatus status = TaskStatus::kScheduled;
  std::string workflow_instance_id;
  std::string workflow_type;
  std::optional<std::string> correlation_id;
  JsonObject input_data;
  JsonObject output_data;
  int seq = 0;
  int retry_count = 0;
  int poll_count = 0;
  std::int64_t scheduled_time = 0;
  std::int64_t start_time = 0;
  std::int64_t end_time = 0;
  std::int64_t update_time = 0;
  std::int64_t first_start_time = 0;
  int start_delay_in_seconds = 0;
  std::optional<std::string> retried_task_id;
  bool retried = false;
  bool executed = false;
  bool callback_from_worker = true;
  std::int64_t response_timeout_seconds = 0;
  std::int64_t callback_after_seconds = 0;
  std::optional<std::string> worker_id;
  std::optional<std::string> reason_for_incompletion;
  Shared<WorkflowTask> workflow_task;  ///< the node it runs, shared with the task's copies
  std::optional<std::string> domain;
  int rate_limit_per_frequency = 0;
  int rate_limit_frequency_in_seconds = 0;
  std::optional<std::string> external_input_payload_storage_path;
  std::optional<std::string> external_output_payload_storage_path;
  int workflow_priority = 0;
  std::optional<std::string> execution_name_space;
  std::optional<std::string> isolation_group_id;
  int iteration = 0;
  std::optional<std::string> sub_workflow_id;
  bool subworkflow_changed = false;
  std::optional<std::string> parent_task_id;
  std::optional<JsonObject> execution_metadata;
  std::map<std::string, std::string> runtime_metadata;

  // Engine bookkeeping: stored, never sent on the wire.
  std::int64_t first_scheduled_time = 0;  ///< scheduling time of the first attempt (total timeout)
  std::int64_t callback_after_ms = 0;     ///< retry delay with jitter, millisecond precision
  std::int64_t wait_timeout = 0;          ///< WAIT: epoch ms at which the wait ends (0 = none)

  bool operator==(const Task&) const = default;
};

/// A line a worker attached to a task.
struct TaskExecLog {
  std::string log;
  std::string task_id;
  std::int64_t created_time = 0;
};

/// What a worker reports about a task (Conductor's TaskResult).
struct TaskResult {
  std::string workflow_instance_id;
  std::string task_id;
  std::optional<TaskResultStatus> status;
  JsonObject output_data;
  std::optional<std::string> reason_for_incompletion;
  std::int64_t callback_after_seconds = 0;
  std::optional<std::string> worker_id;
  std::vector<TaskExecLog> logs;
  std::optional<std::string> external_output_payload_storage_path;
  std::optional<std::string> sub_workflow_id;
  bool extend_lease = false;
  bool supports_cancellation = false;
  std::optional<JsonObject> execution_metadata;
};

/// The latest poll of a queue by a worker.
struct PollData {
  std::string queue_name;
  std::optional<std::string> domain;
  std::string worker_id;
  std::int64_t last_poll_time = 0;
};

/// What one queue holds: messages waiting (delayed ones included), and messages handed out and not
/// yet acknowledged.
struct QueueCounts {
  std::int64_t size = 0;
  std::int64_t unacked = 0;
};

}  // namespace conductor
