#include "system_task_fixture.hpp"

#include "tasks/event.hpp"

#include <conductor/codec.hpp>

using namespace conductor;
using detail::EventTask;

namespace {

// Run `wf-1` of workflow `wf` version 2, whose EVENT task `notify` is started with the given sink.
struct EventFixture : SystemTaskFixture {
  EventFixture() {
    workflow.workflow_id = "wf-1";
    workflow.workflow_definition.edit().name = "wf";
    workflow.workflow_definition.edit().version = 2;
    workflow.correlation_id = "corr";
    workflow.input = JsonObject{{"n", 2}};
  }
  Task started(const std::string& sink, bool async_complete = false) {
    auto task = map_one(EventTask(), R"({"name": "e", "taskReferenceName": "notify", "type": "EVENT", "sink": ")" +
                                         sink + R"(", "asyncComplete": )" + (async_complete ? "true" : "false") +
                                         R"(, "inputParameters": {"n": "${workflow.input.n}"}})");
    CHECK(task.status == TaskStatus::kScheduled);
    start(EventTask(), task);
    return task;
  }
};

}  // namespace

TEST_CASE("event: start names the queue and prepares the message", "[unit]") {
  EventFixture f;
  f.workflow.task_to_domain = {{"x", "d"}};
  auto task = f.started("conductor");
  CHECK(task.status == TaskStatus::kInProgress);
  CHECK(task.input_data == JsonObject{{"n", 2}, {"sink", "conductor"}, {"asyncComplete", false}});
  const auto& out = task.output_data;
  CHECK(out.at("event_produced") == "conductor:wf:notify");
  CHECK(out.at("n") == 2);
  CHECK(out.at("workflowInstanceId") == "wf-1");
  CHECK(out.at("workflowType") == "wf");
  CHECK(out.at("workflowVersion") == 2);
  CHECK(out.at("correlationId") == "corr");
  CHECK(out.at("taskToDomain") == JsonObject{{"x", "d"}});
  CHECK(f.started("conductor:orders").output_data.at("event_produced") == "conductor:wf:orders");
  CHECK(f.started("sqs:queue1").output_data.at("event_produced") == "sqs:queue1");
}

TEST_CASE("event: a conductor sink publishes the task's output once, under the task's id", "[unit]") {
  EventFixture f;
  auto task = f.started("conductor:orders", true);
  REQUIRE(f.effects.published.size() == 1);
  const auto& message = f.effects.published[0];
  CHECK(message.event == "conductor:wf:orders");
  CHECK(message.message_id == task.task_id);
  CHECK(parse_json_text(message.payload) == Json(task.output_data));
  CHECK_FALSE(f.execute(EventTask(), task));  // waiting for its update publishes nothing more
  CHECK(f.effects.published.size() == 1);
  f.started("sqs:queue1");
  f.started("conductorx");
  CHECK(f.effects.published.size() == 1);  // other providers and invalid sinks publish nothing
}

TEST_CASE("event: a conductor sink completes, unless an update is to complete it", "[unit]") {
  EventFixture f;
  auto task = f.started("conductor");
  CHECK(f.execute(EventTask(), task));
  CHECK(task.status == TaskStatus::kCompleted);
  auto waiting = f.started("conductor", true);
  CHECK_FALSE(f.execute(EventTask(), waiting));
  CHECK(waiting.status == TaskStatus::kInProgress);
}

TEST_CASE("event: sinks the engine cannot publish to fail the task", "[unit]") {
  EventFixture f;
  auto invalid = f.started("conductorx");
  CHECK(invalid.status == TaskStatus::kFailed);
  CHECK(invalid.reason_for_incompletion == "Invalid / Unsupported sink specified: conductorx");
  auto sqs = f.started("sqs:queue1");
  CHECK(f.execute(EventTask(), sqs));
  CHECK(sqs.status == TaskStatus::kFailed);
  CHECK(sqs.reason_for_incompletion ==
        "Error loading queue for name:sqs:queue1, sink:sqs:queue1, error: no event queue provider for 'sqs'");
}
