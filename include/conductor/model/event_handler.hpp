#pragma once

#include <conductor/model/enums.hpp>
#include <conductor/model/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace conductor {

struct EventStartWorkflow {
  std::optional<std::string> name;
  std::optional<int> version;
  std::optional<std::string> correlation_id;
  JsonObject input;
  std::optional<std::map<std::string, std::string>> task_to_domain;
};

struct EventTaskDetails {
  std::optional<std::string> workflow_id;
  std::optional<std::string> task_ref_name;
  JsonObject output;
  std::optional<std::string> task_id;
  std::optional<std::string> reason_for_incompletion;
};

struct EventTerminateWorkflow {
  std::optional<std::string> workflow_id;
  std::optional<std::string> termination_reason;
};

struct EventUpdateWorkflowVariables {
  std::optional<std::string> workflow_id;
  JsonObject variables;
  bool append_array = false;
};

struct EventAction {
  std::optional<EventActionType> action;
  std::optional<EventStartWorkflow> start_workflow;
  std::optional<EventTaskDetails> complete_task;
  std::optional<EventTaskDetails> fail_task;
  std::optional<EventTerminateWorkflow> terminate_workflow;
  std::optional<EventUpdateWorkflowVariables> update_workflow_variables;
  std::optional<JsonObject> start_agent;  ///< kept opaque: agents are out of scope
  bool expand_inline_json = false;
};

/// Reacts to events (`conductor:<workflow>:<task>`, queues) with actions.
struct EventHandler {
  std::string name;
  std::string event;
  std::optional<std::string> condition;
  std::optional<std::string> evaluator_type;
  std::vector<EventAction> actions;
  bool active = false;
};

/// One message on an event queue, as the event processor receives it.
struct EventMessage {
  std::string event;       ///< the queue it was published to, e.g. `conductor:<workflow>:<task>`, `kafka:<topic>`
  std::string message_id;  ///< the publisher's id: an EVENT task's id, a Kafka `<partition>:<offset>`
  std::string payload;     ///< JSON text
  std::int64_t created = 0;  ///< epoch ms
};

/// What one action of one handler did with one message (Conductor's EventExecution). `id` is
/// `<messageId>_<action index>`; a handler whose condition rejected the message has one SKIPPED
/// record `<messageId>_0`.
struct EventExecution {
  std::string id;
  std::string message_id;
  std::string name;   ///< the handler's name
  std::string event;  ///< the handler's event
  std::int64_t created = 0;
  EventExecutionStatus status = EventExecutionStatus::kInProgress;
  std::optional<EventActionType> action;
  JsonObject output;  ///< the action's output (`workflowId`, ...), `error` or `exception` when it failed
};

}  // namespace conductor
