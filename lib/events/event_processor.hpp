#pragma once

#include "events/event_queue.hpp"

namespace conductor::detail {

class EngineCore;

/// Runs event handlers on the messages of an event queue (Conductor's DefaultEventProcessor): for
/// each message, every active handler registered for its event, the handler's condition, then its
/// actions in order.
///
/// Delivery is at least once, effects are once: each action's execution record is written by the
/// same transaction as the action's effect, and an action whose record exists is not applied again,
/// so a message delivered again after a crash finds the actions that took effect already recorded.
/// A message is acknowledged once every action has a record; one whose action met a transient error
/// (UnavailableError) is not, and comes back after its redelivery timeout.
///
/// Conditions and parameters are evaluated outside any transaction, on the thread that calls
/// process_due (the engine's sweeper).
class EventProcessor {
 public:
  EventProcessor(EngineCore& core, EventQueue& queue) : core_(core), queue_(queue) {}

  /// Handles every message due now; returns how many were handled and acknowledged.
  int process_due();

 private:
  /// True when the message may be acknowledged.
  bool handle(const EventMessage& message);

  EngineCore& core_;
  EventQueue& queue_;
};

}  // namespace conductor::detail
