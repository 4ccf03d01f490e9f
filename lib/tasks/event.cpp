#include "tasks/event.hpp"

#include "decider/input_resolver.hpp"
#include "events/kafka_client.hpp"
#include "tasks/task_input.hpp"

#include <conductor/codec.hpp>

#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <optional>

namespace conductor::detail {

namespace {

constexpr std::string_view kProduced = "event_produced";
constexpr std::string_view kKafkaPrefix = "kafka:";

// The providers a message can go to: the engine's own queue, and Kafka in builds that have it.
bool has_provider(std::string_view queue) {
  return queue.starts_with("conductor:") || (queue.starts_with(kKafkaPrefix) && kafka_available());
}

// Produces the message to the topic a `kafka:<topic>` sink names, on the brokers the engine's
// properties give. The reason it failed, if it did.
std::optional<std::string> publish_to_kafka(const std::string& queue, const EventMessage& message,
                                            const PropertyMap& properties) {
  auto servers = properties.find(kKafkaServersProperty);
  if (servers == properties.end())
    return fmt::format("Error loading queue for name:{}: property {} names no brokers", queue, kKafkaServersProperty);
  try {
    kafka_produce(servers->second,
                  {queue.substr(kKafkaPrefix.size()), message.message_id, message.payload, {}},
                  std::chrono::seconds(5));
  } catch (const std::exception& e) {
    return fmt::format("Error publishing to {}: {}", queue, e.what());
  }
  return std::nullopt;
}

// The queue a sink names; nullopt for a `conductor...` sink that is neither form upstream accepts.
std::optional<std::string> queue_name(std::string_view sink, const Workflow& workflow, const Task& task) {
  if (!sink.starts_with("conductor")) return std::string(sink);
  if (sink == "conductor") return fmt::format("conductor:{}:{}", workflow.workflow_name(), task.reference_task_name);
  if (sink.starts_with("conductor:"))
    return fmt::format("conductor:{}:{}", workflow.workflow_name(), sink.substr(std::string_view("conductor:").size()));
  return std::nullopt;
}

}  // namespace

std::vector<Task> EventTask::map(const MapperContext& context) const {
  const auto& node = context.node;
  JsonObject parameters = node.input_parameters;
  parameters["sink"] = node.sink ? Json(*node.sink) : Json();
  parameters["asyncComplete"] = node.async_complete;
  Task task = context.new_task(type());
  task.input_data = context.inputs.resolve(parameters, context.task_id);
  task.status = TaskStatus::kScheduled;
  return {std::move(task)};
}

void EventTask::start(Task& task, SystemTaskContext& context) const {
  const Workflow& wf = context.workflow;
  const std::string sink = input_text(task.input_data, "sink");
  auto queue = queue_name(sink, wf, task);
  if (!queue) {
    task.status = TaskStatus::kFailed;
    task.reason_for_incompletion = "Invalid / Unsupported sink specified: " + sink;
    return;
  }
  task.output_data = task.input_data;
  task.output_data["workflowInstanceId"] = wf.workflow_id;
  task.output_data["workflowType"] = wf.workflow_name();
  task.output_data["workflowVersion"] = wf.workflow_version();
  task.output_data["correlationId"] = wf.correlation_id ? Json(*wf.correlation_id) : Json();
  JsonObject domains;
  for (const auto& [name, domain] : wf.task_to_domain) domains[name] = domain;
  task.output_data["taskToDomain"] = std::move(domains);
  task.output_data[kProduced] = *queue;
  task.status = TaskStatus::kInProgress;
  // Published once, here: execute runs again on every decide while an asyncComplete task waits. The
  // message is the task's output under the task's id, what a handler's `${...}` reads.
  if (!has_provider(*queue)) return;  // execute fails the task with Conductor's message
  const EventMessage message{*queue, task.task_id, to_json_text(Json(task.output_data)), context.now};
  if (queue->starts_with("conductor:")) return context.effects.publish_event(message);
  // Kafka is outside the change: a change computed again publishes again (at least once).
  if (auto error = publish_to_kafka(*queue, message, context.effects.properties())) {
    task.status = TaskStatus::kFailed;
    task.reason_for_incompletion = std::move(*error);
  }
}

bool EventTask::execute(Task& task, SystemTaskContext& /*context*/) const {
  const std::string queue = input_text(task.output_data, kProduced);
  if (!has_provider(queue)) {
    task.status = TaskStatus::kFailed;
    task.reason_for_incompletion =
        fmt::format("Error loading queue for name:{}, sink:{}, error: no event queue provider for '{}'", queue,
                    input_text(task.input_data, "sink"), queue.substr(0, queue.find(':')));
    return true;
  }
  if (is_async_complete(task)) return false;
  task.status = TaskStatus::kCompleted;
  return true;
}

}  // namespace conductor::detail
