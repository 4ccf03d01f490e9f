#pragma once

#include <string_view>

namespace conductor {
struct Workflow;
}

namespace conductor::detail {

class Change;

/// Workflow status events: a definition with `workflowStatusListenerEnabled` and a
/// `workflowStatusListenerSink` has its workflows' completion and termination published to that
/// sink, as part of the change that ends the workflow. Call when `workflow` has just ended.
void publish_status_event(Change& change, const Workflow& workflow);

/// Whether the engine can publish to `sink` (`conductor:<queue>`); definitions naming another sink
/// are refused.
bool is_status_sink(std::string_view sink);

}  // namespace conductor::detail
