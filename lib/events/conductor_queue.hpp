#pragma once

#include "events/event_queue.hpp"

#include <string_view>

namespace conductor::detail {

class Change;
class EngineCore;

/// The built-in `conductor` queue, kept in the engine's own storage: a message is a row of the
/// EventStore, delivered through the QueueStore queue `_events`. Every event the engine consumes
/// passes through it, whatever its prefix, so the processor has one durable source.
class ConductorEventQueue final : public EventQueue {
 public:
  static constexpr std::string_view kQueue = "_events";

  explicit ConductorEventQueue(EngineCore& core) : core_(core) {}

  /// Publishes as part of `change`: the message is stored by the change's transaction, so it exists
  /// exactly when the change committed.
  static void publish(Change& change, const EventMessage& message);

  /// Publishes in a transaction of its own. A message whose event and message id are stored already
  /// is not stored twice.
  void publish(const EventMessage& message) override;
  std::vector<EventDelivery> consume(int max) override;
  void ack(const EventDelivery& delivery) override;

 private:
  EngineCore& core_;
};

}  // namespace conductor::detail
