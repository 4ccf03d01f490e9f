#pragma once

#include <conductor/model/event_handler.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

/// Kafka through librdkafka, for KAFKA_PUBLISH, `kafka:` sinks and handlers of `kafka:` events.
/// Built only with CONDUCTOR_WITH_KAFKA.
namespace conductor::detail {

/// Whether this build talks to Kafka.
bool kafka_available();

/// The engine property naming the brokers for `kafka:` sinks and handlers.
inline constexpr std::string_view kKafkaServersProperty = "kafka.bootstrap.servers";

struct KafkaRecord {
  std::string topic;
  std::optional<std::string> key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Produces one record to `servers` and waits until the broker acknowledged it or `timeout` passed.
/// Throws UnavailableError with librdkafka's message when it was not acknowledged.
void kafka_produce(const std::string& servers, const KafkaRecord& record, std::chrono::milliseconds timeout);

/// A consumer of the topics handlers listen to, in one consumer group. Offsets are committed only
/// after `deliver` returned, so a message is delivered again when the process stops in between.
/// Not thread-safe: one thread polls.
class KafkaConsumer {
 public:
  KafkaConsumer(const std::string& servers, const std::string& group);
  ~KafkaConsumer();
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  /// Follows `topics` (subscribing again when the set changed), then hands every message already
  /// fetched to `deliver` as an event `kafka:<topic>` with id `<topic>:<partition>:<offset>`, and
  /// commits it. Waits at most `wait` for the first message. Returns how many were delivered.
  int poll(const std::set<std::string>& topics, std::chrono::milliseconds wait,
           const std::function<void(const EventMessage&)>& deliver);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace conductor::detail
