#pragma once

#include "events/kafka_client.hpp"

#include <memory>

namespace conductor::detail {

class EngineCore;
class EventQueue;

/// Feeds handlers of `kafka:<topic>` events: consumes the topics that active handlers name and
/// stores each record in the engine's durable queue before committing its offset, so the event
/// processor sees it at least once and applies each action once. Runs only when the engine property
/// `kafka.bootstrap.servers` is set (consumer group: property `kafka.group.id`, else `conductor`).
class KafkaEventSource {
 public:
  /// None when the build has no Kafka or the engine names no brokers.
  static std::unique_ptr<KafkaEventSource> open(EngineCore& core, EventQueue& queue);

  KafkaEventSource(EngineCore& core, EventQueue& queue, std::unique_ptr<KafkaConsumer> consumer)
      : core_(core), queue_(queue), consumer_(std::move(consumer)) {}

  /// Stores the records fetched so far, without waiting for more; returns how many.
  int pump();

 private:
  EngineCore& core_;
  EventQueue& queue_;
  std::unique_ptr<KafkaConsumer> consumer_;
};

}  // namespace conductor::detail
