// Poll data is recorded for task types in use, the same on every backend: made-up task types leave
// no rows, registered ones and ones with work queued do, in every domain.
#include "engine_fixture.hpp"
#include "fault_injecting_storage.hpp"

namespace {

// Another backend's test file includes this one with its own PollDataBackend, which opens a fresh
// storage of that backend and keeps what the storage needs alive for the test.
#ifndef POLL_DATA_BACKEND
struct SqliteBackend {
  std::unique_ptr<conductor::Storage> open() { return conductor::open_sqlite({}); }
};
#define POLL_DATA_BACKEND SqliteBackend
#endif

std::vector<std::string> pollers(conductor::Engine& engine, const std::string& type) {
  std::vector<std::string> out;
  for (const auto& data : engine.queue().poll_data(type))
    out.push_back(data.domain.value_or("-") + "/" + data.worker_id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("poll data: made-up task types leave no rows behind", "[scenario]") {
  POLL_DATA_BACKEND backend;
  EngineFixture f(backend.open());
  for (int i = 0; i < 1000; ++i) {
    CHECK(f.engine.queue()
              .batch_poll(fmt::format("made-up-{}", i), "w", i % 2 ? std::optional<std::string>("d") : std::nullopt, 1,
                          std::chrono::milliseconds(0))
              .empty());
  }
  CHECK(f.engine.queue().all_poll_data().empty());
}

TEST_CASE("poll data: a made-up task type is looked up once a second, not at every poll", "[scenario]") {
  POLL_DATA_BACKEND backend;
  auto owned = std::make_unique<conductor::testing::FaultInjectingStorage>(backend.open());
  auto& storage = *owned;
  EngineFixture f(std::move(owned));
  CHECK(f.nothing_to_poll("made-up"));
  // Within the second the poll only takes from the queue: a second statement would fail it.
  storage.fail_statement(2);
  CHECK(f.nothing_to_poll("made-up"));
  CHECK(storage.statement_failure_pending());
  // A second later the type is looked at again.
  f.clock->advance_seconds(1);
  CHECK_THROWS_AS(f.nothing_to_poll("made-up"), conductor::StorageError);
  CHECK(f.engine.queue().all_poll_data().empty());
}

TEST_CASE("poll data: registered task types and task types with work are recorded", "[scenario]") {
  POLL_DATA_BACKEND backend;
  EngineFixture f(backend.open());
  f.task_def(R"({"name": "known"})");
  f.workflow_def(R"({"name": "mixed", "version": 1, "tasks": [
    {"name": "known", "taskReferenceName": "k"}, {"name": "adhoc", "taskReferenceName": "a"}]})");

  // A registered type is recorded with nothing queued, in any domain: a domain's idle worker must
  // show as active for tasks to be routed to it.
  CHECK(f.nothing_to_poll("known"));
  CHECK(f.nothing_to_poll("known", "blue"));
  CHECK(pollers(f.engine, "known") == std::vector<std::string>{"-/test-worker", "blue/test-worker"});

  conductor::StartWorkflowRequest request;
  request.name = "mixed";
  request.input = conductor::JsonObject{};
  request.task_to_domain = {{"known", "blue,green"}};
  f.engine.executor().start_workflow(request);
  auto known = f.poll("known", "blue");
  CHECK(known.domain == "blue");

  // A type without a definition is recorded once its queue holds work.
  CHECK(f.nothing_to_poll("adhoc"));
  CHECK(pollers(f.engine, "adhoc").empty());
  f.complete(known);
  f.poll("adhoc");
  CHECK(pollers(f.engine, "adhoc") == std::vector<std::string>{"-/test-worker"});
}
