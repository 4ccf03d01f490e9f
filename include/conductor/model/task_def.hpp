#pragma once

#include <conductor/model/schema_def.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace conductor {

/// Registered metadata for a task name: retries, timeouts, limits and input template.
/// Defaults are Conductor's (retryCount 3, retryDelaySeconds 60, responseTimeoutSeconds 3600, ...).
struct TaskDef : Auditable {
  std::string name;
  std::optional<std::string> description;
  int retry_count = 3;
  std::int64_t timeout_seconds = 0;
  std::int64_t total_timeout_seconds = 0;
  std::int64_t response_timeout_seconds = 3600;
  std::optional<int> poll_timeout_seconds;
  RetryLogic retry_logic = RetryLogic::kFixed;
  int retry_delay_seconds = 60;
  int backoff_scale_factor = 1;
  int max_retry_delay_seconds = 0;
  int backoff_jitter_ms = 0;
  TaskTimeoutPolicy timeout_policy = TaskTimeoutPolicy::kTimeOutWf;
  std::vector<std::string> input_keys;
  std::vector<std::string> output_keys;
  JsonObject input_template;
  std::vector<std::string> runtime_metadata;
  std::optional<int> concurrent_exec_limit;
  int rate_limit_per_frequency = 0;
  int rate_limit_frequency_in_seconds = 1;
  std::optional<std::string> isolation_group_id;
  std::optional<std::string> execution_name_space;
  std::optional<std::string> owner_email;
  std::optional<std::string> base_type;
  bool task_status_listener_enabled = true;
  std::optional<SchemaDef> input_schema;
  std::optional<SchemaDef> output_schema;
  bool enforce_schema = false;

  bool operator==(const TaskDef&) const = default;
};

}  // namespace conductor
