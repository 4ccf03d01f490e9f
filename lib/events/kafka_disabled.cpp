#include "events/kafka_client.hpp"

#include <conductor/error.hpp>

// This build has no Kafka (CONDUCTOR_WITH_KAFKA off, or librdkafka not found): every use is refused.
#ifndef CONDUCTOR_WITH_KAFKA
namespace conductor::detail {

namespace {
[[noreturn]] void refuse() { throw UnavailableError("kafka: this build has no Kafka support (CONDUCTOR_WITH_KAFKA)"); }
}  // namespace

bool kafka_available() { return false; }
void kafka_produce(const std::string&, const KafkaRecord&, std::chrono::milliseconds) { refuse(); }
struct KafkaConsumer::Impl {};
KafkaConsumer::KafkaConsumer(const std::string&, const std::string&) { refuse(); }
KafkaConsumer::~KafkaConsumer() = default;
int KafkaConsumer::poll(const std::set<std::string>&, std::chrono::milliseconds,
                        const std::function<void(const EventMessage&)>&) {
  refuse();
}

}  // namespace conductor::detail
#endif
