#include "events/status_events.hpp"

#include <conductor/codec.hpp>

#include "events/conductor_queue.hpp"
#include "executor/change.hpp"

namespace conductor::detail {

bool is_status_sink(std::string_view sink) { return sink.starts_with("conductor:") && sink.size() > 10; }

void publish_status_event(Change& change, const Workflow& workflow) {
  const auto& def = *workflow.workflow_definition;
  if (!def.workflow_status_listener_enabled || !def.workflow_status_listener_sink ||
      !is_status_sink(*def.workflow_status_listener_sink))
    return;
  // The workflow without its tasks: what a listener needs to know, of a bounded size.
  Workflow summary = workflow;
  summary.tasks.clear();
  const std::string status{to_string(workflow.status)};
  ConductorEventQueue::publish(change, {*def.workflow_status_listener_sink, workflow.workflow_id + ":" + status,
                                        encode(summary), change.now()});
}

}  // namespace conductor::detail
