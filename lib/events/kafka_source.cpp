#include "events/kafka_source.hpp"

#include "engine/engine_core.hpp"

#include <set>
#include <string>

namespace conductor::detail {

namespace {
constexpr std::string_view kPrefix = "kafka:";
}  // namespace

std::unique_ptr<KafkaEventSource> KafkaEventSource::open(EngineCore& core, EventQueue& queue) {
  const auto& properties = core.properties();
  auto servers = properties.find(kKafkaServersProperty);
  if (!kafka_available() || servers == properties.end()) return nullptr;
  auto group = properties.find(std::string_view("kafka.group.id"));
  return std::make_unique<KafkaEventSource>(
      core, queue,
      std::make_unique<KafkaConsumer>(servers->second, group == properties.end() ? "conductor" : group->second));
}

int KafkaEventSource::pump() {
  // Read for every round, so a handler added or changed is followed at once.
  std::set<std::string> topics;
  for (const auto& handler : core_.metadata().list_event_handlers())
    if (handler.active && handler.event.starts_with(kPrefix)) topics.insert(handler.event.substr(kPrefix.size()));
  return consumer_->poll(topics, std::chrono::milliseconds(0),
                         [this](const EventMessage& message) {
                           EventMessage stored = message;
                           stored.created = core_.clock().now_ms();
                           queue_.publish(stored);
                         });
}

}  // namespace conductor::detail
