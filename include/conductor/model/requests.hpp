#pragma once

#include <conductor/model/workflow_def.hpp>

#include <map>
#include <optional>
#include <string>

namespace conductor {

/// How to start a workflow (Conductor's StartWorkflowRequest).
struct StartWorkflowRequest {
  std::string name;
  std::optional<int> version;  ///< nullopt: the latest registered version
  std::optional<std::string> correlation_id;
  std::optional<JsonObject> input = JsonObject{};  ///< nullopt is the explicit `null` Conductor rejects
  std::map<std::string, std::string> task_to_domain;
  std::optional<WorkflowDef> workflow_def;  ///< inline definition instead of a registered one
  std::optional<std::string> external_input_payload_storage_path;
  int priority = 0;
  std::optional<std::string> created_by;
  std::optional<std::string> idempotency_key;
  std::optional<IdempotencyStrategy> idempotency_strategy;
  std::optional<std::string> event;  ///< the event whose handler starts the workflow, kept on it
};

struct RerunWorkflowRequest {
  std::optional<std::string> re_run_from_workflow_id;
  std::optional<JsonObject> workflow_input;
  std::optional<std::string> re_run_from_task_id;
  std::optional<JsonObject> task_input;
  std::optional<std::string> correlation_id;
};

struct SkipTaskRequest {
  std::optional<JsonObject> task_input;
  std::optional<JsonObject> task_output;
};

}  // namespace conductor
