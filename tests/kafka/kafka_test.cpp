// Kafka on librdkafka's built-in mock cluster (no broker needed): KAFKA_PUBLISH, `kafka:` EVENT
// sinks, and handlers of `kafka:` events fed by the engine's consumer.
#include <conductor/error.hpp>

#include "events/kafka_client.hpp"
#include "scenario/engine_fixture.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <array>
#include <thread>

using namespace conductor;

namespace {

struct Record {
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A mock cluster of one broker, living in a client handle of its own.
struct MockCluster {
  rd_kafka_t* rk = nullptr;
  std::string servers;

  MockCluster() {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::array<char, 256> error{};
    rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", error.data(), error.size());
    rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error.data(), error.size());
    REQUIRE(rk);
    servers = rd_kafka_mock_cluster_bootstraps(rd_kafka_handle_mock_cluster(rk));
  }
  ~MockCluster() { rd_kafka_destroy(rk); }

  void topic(const std::string& name) {
    REQUIRE(rd_kafka_mock_topic_create(rd_kafka_handle_mock_cluster(rk), name.c_str(), 1, 1) == 0);
  }

  // The first `count` records of partition 0 of `name`.
  std::vector<Record> read(const std::string& name, std::size_t count) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::array<char, 256> error{};
    rd_kafka_conf_set(conf, "bootstrap.servers", servers.c_str(), error.data(), error.size());
    rd_kafka_conf_set(conf, "group.id", "reader", error.data(), error.size());
    rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
    rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error.data(), error.size());
    REQUIRE(consumer);
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, name.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(consumer, list);
    rd_kafka_topic_partition_list_destroy(list);
    std::vector<Record> records;
    for (int attempt = 0; attempt < 200 && records.size() < count; ++attempt) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
      if (!m) continue;
      if (!m->err) {
        Record r;
        if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
        r.value.assign(static_cast<const char*>(m->payload), m->len);
        rd_kafka_headers_t* headers = nullptr;
        if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
          const char* header = nullptr;
          const void* value = nullptr;
          size_t size = 0;
          for (size_t i = 0; rd_kafka_header_get_all(headers, i, &header, &value, &size) == 0; ++i)
            r.headers.emplace_back(header, std::string(static_cast<const char*>(value), size));
        }
        records.push_back(std::move(r));
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    return records;
  }
};

EngineOptions engine_options(const std::string& servers, ManualClock*& clock) {
  auto options = EngineFixture::make_options(nullptr, clock);
  options.properties = {{"kafka.bootstrap.servers", servers}};
  return options;
}

}  // namespace

SCENARIO("kafka: KAFKA_PUBLISH produces its record and completes", "[kafka]") {
  MockCluster cluster;
  cluster.topic("orders");
  EngineFixture f;
  f.workflow_def(R"({"name": "publish", "version": 1, "tasks": [{"name": "send", "taskReferenceName": "send",
    "type": "KAFKA_PUBLISH", "inputParameters": {"kafka_request": {"bootStrapServers": ")" + cluster.servers +
                 R"(", "topic": "orders", "key": "${workflow.input.id}", "headers": {"origin": "test", "n": 1},
      "value": {"id": "${workflow.input.id}"}}}}]})");
  auto id = f.start("publish", {{"id", "o-7"}});
  f.engine.run_due();
  auto wf = f.workflow(id);
  CHECK(wf.tasks.at(0).status == TaskStatus::kCompleted);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  auto records = cluster.read("orders", 1);
  REQUIRE(records.size() == 1);
  CHECK(records[0].key == "o-7");
  CHECK(records[0].value == R"({"id":"o-7"})");
  CHECK(records[0].headers == std::vector<std::pair<std::string, std::string>>{{"origin", "test"}, {"n", "1"}});
}

SCENARIO("kafka: KAFKA_PUBLISH fails on bad input and on brokers that do not answer", "[kafka]") {
  EngineFixture f;
  f.workflow_def(R"({"name": "publish", "version": 1, "tasks": [{"name": "send", "taskReferenceName": "send",
    "type": "KAFKA_PUBLISH", "inputParameters": {"kafka_request": "${workflow.input.request}"}}]})");
  auto reason = [&](JsonObject request) {
    auto id = f.start("publish", {{"request", std::move(request)}});
    f.engine.run_due();
    auto wf = f.workflow(id);
    CHECK(wf.tasks.at(0).status == TaskStatus::kFailed);
    return wf.tasks.at(0).reason_for_incompletion.value_or("");
  };
  CHECK(reason({{"topic", "t"}, {"value", 1}}) == "No boot strap servers specified");
  CHECK(reason({{"bootStrapServers", "x:1"}, {"value", 1}}) ==
        "Missing Kafka topic. See documentation for KafkaTask for required input parameters");
  CHECK(reason({{"bootStrapServers", "x:1"}, {"topic", "t"}}) ==
        "Missing Kafka value.  See documentation for KafkaTask for required input parameters");
  CHECK(reason({{"bootStrapServers", "127.0.0.1:1"}, {"topic", "t"}, {"value", 1}, {"requestTimeoutMs", 300}})
            .starts_with("Failed to invoke kafka task due to: kafka: "));
}

SCENARIO("kafka: an EVENT task with a kafka sink produces its message, a handler on a topic starts a workflow",
         "[kafka]") {
  MockCluster cluster;
  cluster.topic("greetings");
  cluster.topic("signups");
  ManualClock* clock = nullptr;
  Engine engine(engine_options(cluster.servers, clock));
  engine.metadata().register_workflow_def(decode<WorkflowDef>(R"({"name": "greeter", "version": 1, "tasks": [
    {"name": "notify", "taskReferenceName": "notify", "type": "EVENT", "sink": "kafka:greetings",
     "inputParameters": {"who": "${workflow.input.who}"}}]})"));
  engine.metadata().register_workflow_def(decode<WorkflowDef>(R"({"name": "welcome", "version": 1, "tasks": [
    {"name": "hold", "taskReferenceName": "hold", "type": "WAIT"}]})"));
  engine.metadata().add_event_handler(decode<EventHandler>(R"({"name": "on_signup", "event": "kafka:signups",
    "active": true, "actions": [{"action": "start_workflow", "start_workflow": {"name": "welcome",
      "input": {"who": "${who}"}}}]})"));

  auto greeter = engine.executor().start_workflow({.name = "greeter", .input = JsonObject{{"who", "ada"}}});
  auto wf = engine.executor().get_workflow(greeter);
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(wf.tasks.at(0).output_data.at("event_produced") == "kafka:greetings");
  auto greetings = cluster.read("greetings", 1);
  REQUIRE(greetings.size() == 1);
  CHECK(greetings[0].key == wf.tasks.at(0).task_id);
  CHECK(parse_json_text(greetings[0].value).at("who") == "ada");

  detail::kafka_produce(cluster.servers, {"signups", std::nullopt, R"({"who": "grace"})", {}},
                        std::chrono::seconds(5));
  // The consumer joins its group and fetches in the background of librdkafka; each round stores
  // what arrived so far.
  std::vector<std::string> started;
  for (int round = 0; round < 300 && started.empty(); ++round) {
    engine.run_due();
    started = engine.executor().running_workflow_ids("welcome");
    if (started.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(started.size() == 1);
  CHECK(engine.executor().get_workflow(started[0]).input.at("who") == "grace");
  auto records = engine.executor().event_executions("on_signup", "kafka:signups");
  REQUIRE(records.size() == 1);
  CHECK(records[0].message_id == "signups:0:0");
  engine.run_due();
  CHECK(engine.executor().running_workflow_ids("welcome").size() == 1);
}
