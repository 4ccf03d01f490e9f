#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// EVENT: publishes the task's input, with the workflow's identity, to the queue its `sink` names
/// (semantics.md §5.21). Sinks `conductor` and `conductor:<name>` are the engine's own durable event
/// queue: the message is stored by the same transaction that records the task's progress, so it
/// exists exactly when that change committed. The task then completes, or with asyncComplete waits
/// for its update. `kafka:<topic>` produces the message to that topic on the brokers of the engine
/// property `kafka.bootstrap.servers` (builds with Kafka). Other providers (`sqs:`, ...) are not
/// available and fail the task.
class EventTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "EVENT"; }
  std::vector<Task> map(const MapperContext& context) const override;
  void start(Task& task, SystemTaskContext& context) const override;
  bool execute(Task& task, SystemTaskContext& context) const override;
};

}  // namespace conductor::detail
