#pragma once

#include <conductor/model/event_handler.hpp>

#include <optional>
#include <string>

namespace conductor::detail {

class Change;
class WorkflowOps;

/// One handler action prepared for a message: its parameters resolved against the payload
/// (Conductor's SimpleActionProcessor does the same before acting). Preparing reads nothing, so it
/// happens before any transaction; applying happens inside the change that records the action.
class PreparedAction {
 public:
  PreparedAction(const EventAction& action, const Json& payload, const EventMessage& message);

  /// The workflow the action changes, when known before applying it (for the per-workflow lock).
  const std::optional<std::string>& workflow_id() const { return workflow_id_; }
  /// Carries the action out as part of `change` and returns its output. A missing target gives an
  /// output with `error` rather than a throw, as Conductor records it; what the engine refuses
  /// (an unknown definition, a terminal workflow) throws its typed error.
  JsonObject apply(Change& change, WorkflowOps& ops) const;

 private:
  JsonObject start_workflow(Change& change, WorkflowOps& ops) const;
  JsonObject update_task(Change& change, WorkflowOps& ops, bool failed) const;
  JsonObject terminate_workflow(Change& change, WorkflowOps& ops) const;
  JsonObject update_variables(Change& change, WorkflowOps& ops) const;

  const EventAction& action_;
  const EventMessage& message_;
  JsonObject resolved_;  ///< the action's parameters with `${...}` resolved against the payload
  std::optional<std::string> workflow_id_;
};

/// Conductor's JsonUtils.expand: string values holding a JSON object or array are parsed, at any depth.
Json expand_inline_json(const Json& value);

}  // namespace conductor::detail
