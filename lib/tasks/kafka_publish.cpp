#include "tasks/kafka_publish.hpp"

#include <conductor/codec.hpp>

#include "events/kafka_client.hpp"

#include <exception>

namespace conductor::detail {

namespace {

constexpr std::int64_t kDefaultTimeoutMs = 5000;

void fail(Task& task, std::string reason) {
  task.status = TaskStatus::kFailed;
  task.reason_for_incompletion = std::move(reason);
}

// A string as it is, anything else as its JSON text (Conductor's String.valueOf on parsed JSON).
std::string text_of(const Json& value) {
  return value.is_string() ? std::string(value.as_string()) : to_json_text(value);
}

bool blank(const JsonObject& request, std::string_view key) {
  const Json* value = request.if_contains(key);
  return !value || !value->is_string() || value->as_string().find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace

std::vector<Task> KafkaPublishTask::map(const MapperContext& context) const {
  Task task = context.new_task(type());
  task.input_data = context.task_input();
  task.status = TaskStatus::kScheduled;
  return {std::move(task)};
}

void KafkaPublishTask::start(Task& task, SystemTaskContext& /*context*/) const {
  const Json* input = task.input_data.if_contains("kafka_request");
  if (!input || !input->is_object())
    return fail(task,
                "Missing Kafka request. Task input MUST have a 'kafka_request' key with KafkaTask.Input as value. "
                "See documentation for KafkaTask for required input parameters");
  const JsonObject& request = input->as_object();
  if (blank(request, "bootStrapServers")) return fail(task, "No boot strap servers specified");
  if (blank(request, "topic"))
    return fail(task, "Missing Kafka topic. See documentation for KafkaTask for required input parameters");
  const Json* value = request.if_contains("value");
  if (!value || value->is_null())
    return fail(task, "Missing Kafka value.  See documentation for KafkaTask for required input parameters");

  KafkaRecord record;
  record.topic = request.at("topic").as_string();
  record.value = to_json_text(*value);  // the value's JSON, as Conductor's serializer writes it
  if (const Json* key = request.if_contains("key"); key && !key->is_null()) record.key = text_of(*key);
  if (const Json* headers = request.if_contains("headers"); headers && headers->is_object())
    for (const auto& [name, header] : headers->as_object()) record.headers.emplace_back(name, text_of(header));
  std::int64_t timeout_ms = kDefaultTimeoutMs;
  if (const Json* timeout = request.if_contains("requestTimeoutMs"); timeout && timeout->is_int64())
    timeout_ms = timeout->as_int64();
  try {
    kafka_produce(std::string(request.at("bootStrapServers").as_string()), record,
                  std::chrono::milliseconds(timeout_ms));
  } catch (const std::exception& e) {
    return fail(task, std::string("Failed to invoke kafka task due to: ") + e.what());
  }
  task.status = is_async_complete(task) ? TaskStatus::kInProgress : TaskStatus::kCompleted;
}

}  // namespace conductor::detail
