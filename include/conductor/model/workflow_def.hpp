#pragma once

#include <conductor/model/workflow_task.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace conductor {

/// A registered workflow blueprint, keyed by (name, version).
struct WorkflowDef : Auditable {
  std::string name;
  std::optional<std::string> description;
  int version = 1;
  std::vector<WorkflowTask> tasks;
  std::vector<std::string> input_parameters;
  JsonObject output_parameters;
  JsonObject input_template;
  JsonObject variables;
  std::optional<std::string> failure_workflow;
  std::optional<int> failure_workflow_version;
  int schema_version = 2;
  bool restartable = true;
  bool workflow_status_listener_enabled = false;
  std::optional<std::string> workflow_status_listener_sink;
  std::optional<std::string> owner_email;
  WorkflowTimeoutPolicy timeout_policy = WorkflowTimeoutPolicy::kAlertOnly;
  std::int64_t timeout_seconds = 0;
  std::optional<RateLimitConfig> rate_limit_config;
  std::optional<SchemaDef> input_schema;
  std::optional<SchemaDef> output_schema;
  bool enforce_schema = true;
  JsonObject metadata;
  std::optional<CacheConfig> cache_config;
  std::vector<std::string> masked_fields;

  bool operator==(const WorkflowDef&) const = default;
};

/// One entry of the names-and-versions listing.
struct WorkflowDefSummary {
  std::string name;
  int version = 1;
  std::int64_t create_time = 0;
  std::optional<std::int64_t> update_time;
};

}  // namespace conductor
