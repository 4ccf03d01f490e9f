#include "events/kafka_client.hpp"
#include "util/utf8.hpp"

#include <conductor/error.hpp>

#include <librdkafka/rdkafka.h>

#include <fmt/format.h>

#include <array>

namespace conductor::detail {

namespace {

using Config = std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)>;
using Handle = std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)>;

Config config(const std::vector<std::pair<std::string, std::string>>& settings) {
  Config conf(rd_kafka_conf_new(), &rd_kafka_conf_destroy);
  std::array<char, 512> error{};
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), error.data(), error.size()) != RD_KAFKA_CONF_OK)
      throw ValidationError(fmt::format("kafka: {}", error.data()));
  }
  // librdkafka logs to stderr by default; the library never does.
  rd_kafka_conf_set_log_cb(conf.get(), [](const rd_kafka_t*, int, const char*, const char*) {});
  return conf;
}

Handle open(rd_kafka_type_t type, Config conf) {
  std::array<char, 512> error{};
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), error.data(), error.size());
  if (!rk) throw UnavailableError(fmt::format("kafka: {}", error.data()));
  conf.release();  // rd_kafka_new owns it now
  return Handle(rk, &rd_kafka_destroy);
}

}  // namespace

bool kafka_available() { return true; }

void kafka_produce(const std::string& servers, const KafkaRecord& record, std::chrono::milliseconds timeout) {
  auto conf = config({{"bootstrap.servers", servers}, {"message.timeout.ms", std::to_string(timeout.count())}});
  // The delivery report carries the broker's answer to the one record produced.
  rd_kafka_resp_err_t delivered = RD_KAFKA_RESP_ERR__IN_PROGRESS;
  rd_kafka_conf_set_opaque(conf.get(), &delivered);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), [](rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    *static_cast<rd_kafka_resp_err_t*>(opaque) = message->err;
  });
  Handle producer = open(RD_KAFKA_PRODUCER, std::move(conf));

  rd_kafka_headers_t* headers = rd_kafka_headers_new(record.headers.size());
  for (const auto& [name, value] : record.headers)
    rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                        static_cast<ssize_t>(value.size()));
  const void* key = record.key ? record.key->data() : nullptr;
  const std::size_t key_size = record.key ? record.key->size() : 0;
  // The value list rather than producev's macros, whose type checks are GNU statement expressions.
  rd_kafka_vu_t values[5] = {};
  values[0].vtype = RD_KAFKA_VTYPE_TOPIC;
  values[0].u.cstr = record.topic.c_str();
  values[1].vtype = RD_KAFKA_VTYPE_VALUE;
  values[1].u.mem = {const_cast<char*>(record.value.data()), record.value.size()};
  values[2].vtype = RD_KAFKA_VTYPE_KEY;
  values[2].u.mem = {const_cast<void*>(key), key_size};
  values[3].vtype = RD_KAFKA_VTYPE_HEADERS;
  values[3].u.headers = headers;
  values[4].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  values[4].u.i32 = RD_KAFKA_MSG_F_COPY;
  if (rd_kafka_error_t* error = rd_kafka_produceva(producer.get(), values, 5)) {
    rd_kafka_headers_destroy(headers);  // not handed over when the produce fails
    const std::string reason = rd_kafka_error_string(error);
    rd_kafka_error_destroy(error);
    throw UnavailableError(fmt::format("kafka: {}", reason));
  }
  rd_kafka_flush(producer.get(), static_cast<int>(timeout.count()));
  if (delivered == RD_KAFKA_RESP_ERR__IN_PROGRESS) rd_kafka_poll(producer.get(), 0);
  if (delivered != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw UnavailableError(fmt::format("kafka: {}", delivered == RD_KAFKA_RESP_ERR__IN_PROGRESS
                                                        ? "the record was not acknowledged in time"
                                                        : rd_kafka_err2str(delivered)));
}

struct KafkaConsumer::Impl {
  Handle consumer{nullptr, &rd_kafka_destroy};
  std::set<std::string> topics;
};

KafkaConsumer::KafkaConsumer(const std::string& servers, const std::string& group) : impl_(std::make_unique<Impl>()) {
  impl_->consumer = open(RD_KAFKA_CONSUMER, config({{"bootstrap.servers", servers},
                                                    {"group.id", group},
                                                    {"enable.auto.commit", "false"},
                                                    {"auto.offset.reset", "earliest"}}));
  rd_kafka_poll_set_consumer(impl_->consumer.get());
}

KafkaConsumer::~KafkaConsumer() {
  if (impl_->consumer) rd_kafka_consumer_close(impl_->consumer.get());
}

int KafkaConsumer::poll(const std::set<std::string>& topics, std::chrono::milliseconds wait,
                        const std::function<void(const EventMessage&)>& deliver) {
  rd_kafka_t* rk = impl_->consumer.get();
  if (topics != impl_->topics) {
    if (topics.empty()) {
      rd_kafka_unsubscribe(rk);
    } else {
      rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
      for (const auto& topic : topics) rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
      rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, list);
      rd_kafka_topic_partition_list_destroy(list);
      if (err) throw UnavailableError(fmt::format("kafka: {}", rd_kafka_err2str(err)));
    }
    impl_->topics = topics;
  }
  if (topics.empty()) return 0;
  int delivered = 0;
  for (int timeout = static_cast<int>(wait.count());; timeout = 0) {
    std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> message(rd_kafka_consumer_poll(rk, timeout),
                                                                                     &rd_kafka_message_destroy);
    if (!message) return delivered;
    if (message->err) continue;  // partition ends and transient errors: librdkafka recovers by itself
    const std::string topic = rd_kafka_topic_name(message->rkt);
    EventMessage event;
    event.event = "kafka:" + topic;
    event.message_id = fmt::format("{}:{}:{}", topic, message->partition, message->offset);
    // A record holds any bytes; the payload is stored as text and handed on inside JSON.
    event.payload = valid_utf8({static_cast<const char*>(message->payload), message->len});
    deliver(event);
    rd_kafka_commit_message(rk, message.get(), 0);
    ++delivered;
  }
}

}  // namespace conductor::detail
