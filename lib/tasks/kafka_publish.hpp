#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// KAFKA_PUBLISH: produces the record its input `kafka_request` describes (`bootStrapServers`,
/// `topic`, `value`, `key`, `headers`, `requestTimeoutMs`) and completes once the broker acknowledged
/// it, or with asyncComplete waits for its update. Async, like Conductor's: it runs from its queue on
/// the sweeper. Registered only in builds with Kafka; elsewhere the type stays a worker task.
class KafkaPublishTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "KAFKA_PUBLISH"; }
  bool is_async() const override { return true; }
  std::vector<Task> map(const MapperContext& context) const override;
  void start(Task& task, SystemTaskContext& context) const override;
};

}  // namespace conductor::detail
