#pragma once

#include <conductor/model/event_handler.hpp>

#include <string>
#include <vector>

namespace conductor::detail {

/// One delivery of a message; its receipt acknowledges it.
struct EventDelivery {
  std::string receipt;
  EventMessage message;
};

/// An event queue provider (Conductor's ObservableQueue): messages are published to it and consumed
/// from it; a consumed message that is not acknowledged is delivered again, so consumers see every
/// message at least once.
class EventQueue {
 public:
  virtual ~EventQueue() = default;
  /// Publishes `message` to the queue its `event` names.
  virtual void publish(const EventMessage& message) = 0;
  /// Up to `max` messages due now, each held back from other consumers until acknowledged or until
  /// its redelivery timeout.
  virtual std::vector<EventDelivery> consume(int max) = 0;
  virtual void ack(const EventDelivery& delivery) = 0;
};

}  // namespace conductor::detail
