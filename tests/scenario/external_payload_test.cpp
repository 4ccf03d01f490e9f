// Payloads above their thresholds live in the PayloadStorage, not in the rows, and come back
// whole through every read; payloads named by path are read at start and at task update; payloads
// above the maximum are refused with nothing stored.
#include "scenario/engine_fixture.hpp"
#include "storage/storage_fixtures.hpp"

#include <conductor/error.hpp>
#include <conductor/payload_storage.hpp>

#include <boost/json/serialize.hpp>

#include <filesystem>
#include <string>

using namespace conductor;
using conductor::testing::TempDir;

namespace {

/// Limits small enough for a test: 1 KiB thresholds, 4 KiB maximums.
PayloadLimits small_limits() {
  return {.workflow_input_threshold_kb = 1, .workflow_input_max_kb = 4,
          .workflow_output_threshold_kb = 1, .workflow_output_max_kb = 4,
          .task_input_threshold_kb = 1, .task_input_max_kb = 4,
          .task_output_threshold_kb = 1, .task_output_max_kb = 4};
}

/// An object whose JSON text is about `bytes` long.
JsonObject payload_of(std::size_t bytes, char fill = 'x') { return {{"blob", std::string(bytes, fill)}}; }

/// The JSON string `bytes` characters of `fill`.
Json text_of(std::size_t bytes, char fill) { return Json(std::string(bytes, fill)); }

/// Files in `dir` whose name contains `part`.
int files_with(const std::filesystem::path& dir, const std::string& part) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().filename().string().find(part) != std::string::npos) ++count;
  return count;
}

struct PayloadEngine {
  TempDir dir;
  std::filesystem::path db = dir.path() / "engine.db";
  std::filesystem::path payload_dir = dir.path() / "payloads";
  std::shared_ptr<PayloadStorage> payloads = directory_payload_storage(payload_dir);
  EngineFixture f{[this](EngineOptions& options) {
    options.storage = open_sqlite({.path = db.string()});
    options.payload_storage = payloads;
    options.payload_limits = small_limits();
  }};

  PayloadEngine() {
    f.workflow_def(R"({"name": "big", "tasks": [
        {"name": "produce", "taskReferenceName": "produce"},
        {"name": "consume", "taskReferenceName": "consume",
         "inputParameters": {"data": "${produce.output.blob}", "start": "${workflow.input.blob}"}}],
        "outputParameters": {"all": "${consume.input}"}})");
  }
};

}  // namespace

TEST_CASE("payloads over the threshold round-trip through the payload storage", "[payload]") {
  PayloadEngine e;
  const JsonObject input = payload_of(2000, 'i');
  const std::string id = e.f.start("big", input);
  CHECK(files_with(e.payload_dir, id + "-workflow_input-") == 1);

  Task produce = e.f.poll("produce");
  CHECK(produce.input_data.empty());
  e.f.complete(produce, payload_of(3000, 'o'));
  CHECK(files_with(e.payload_dir, produce.task_id + "-task_output-") == 1);

  Task consume = e.f.poll("consume");
  CHECK(consume.input_data.at("data") == text_of(3000, 'o'));
  CHECK(consume.input_data.at("start") == text_of(2000, 'i'));
  CHECK_FALSE(consume.external_input_payload_storage_path);
  CHECK(files_with(e.payload_dir, consume.task_id + "-task_input-") == 1);
  e.f.complete(consume);

  const Workflow wf = e.f.workflow(id);
  REQUIRE(wf.status == WorkflowStatus::kCompleted);
  CHECK(wf.input == input);
  CHECK(wf.output.at("all").as_object().at("data") == text_of(3000, 'o'));
  CHECK_FALSE(wf.external_input_payload_storage_path);
  CHECK_FALSE(wf.external_output_payload_storage_path);
  CHECK(files_with(e.payload_dir, id + "-workflow_output-") == 1);

  SECTION("the rows themselves hold only the paths") {
    Engine raw({.storage = open_sqlite({.path = e.db.string()}), .background = false});
    const Workflow stored = raw.executor().get_workflow(id);
    CHECK(stored.input.empty());
    REQUIRE(stored.external_input_payload_storage_path);
    CHECK(e.payloads->read(*stored.external_input_payload_storage_path) == boost::json::serialize(input));
  }
  SECTION("search summaries carry the path instead of the text") {
    const auto found = e.f.engine.executor().search({.query = "workflowId = '" + id + "'"});
    REQUIRE(found.results.size() == 1);
    CHECK(found.results[0].input.empty());
    CHECK(found.results[0].external_input_payload_storage_path);
  }
  SECTION("a missing document is a storage error, not an empty payload") {
    std::filesystem::remove_all(e.payload_dir);
    Engine fresh({.storage = open_sqlite({.path = e.db.string()}), .background = false,
                  .payload_storage = directory_payload_storage(e.payload_dir)});
    CHECK_THROWS_AS(fresh.executor().get_workflow(id), StorageError);
  }
}

TEST_CASE("payloads under the threshold stay in their rows", "[payload]") {
  PayloadEngine e;
  const std::string id = e.f.start("big", payload_of(100));
  e.f.complete(e.f.poll("produce"), payload_of(100));
  CHECK(std::filesystem::is_empty(e.payload_dir));
  CHECK(e.f.workflow(id).input == payload_of(100));
}

TEST_CASE("a start naming an external input path runs with that payload", "[payload]") {
  PayloadEngine e;
  const std::string path = new_payload_path(PayloadType::kWorkflowInput);
  e.payloads->write(path, R"({"blob": "from the store"})");
  StartWorkflowRequest request{.name = "big", .input = JsonObject{}, .external_input_payload_storage_path = path};
  const std::string id = e.f.engine.executor().start_workflow(request);
  CHECK(e.f.workflow(id).input.at("blob") == "from the store");
  e.f.complete(e.f.poll("produce"));
  CHECK(e.f.poll("consume").input_data.at("start") == "from the store");

  SECTION("an unknown path is refused") {
    request.external_input_payload_storage_path = new_payload_path(PayloadType::kWorkflowInput);
    CHECK_THROWS_AS(e.f.engine.executor().start_workflow(request), ValidationError);
  }
  SECTION("a document that is not a JSON object is refused") {
    e.payloads->write(path, "[1, 2]");
    CHECK_THROWS_AS(e.f.engine.executor().start_workflow(request), ValidationError);
  }
}

TEST_CASE("a worker's output named by path is read at update", "[payload]") {
  PayloadEngine e;
  e.f.start("big", {});
  const Task produce = e.f.poll("produce");
  const std::string path = new_payload_path(PayloadType::kTaskOutput);
  e.payloads->write(path, R"({"blob": "uploaded"})");
  TaskResult result{.workflow_instance_id = produce.workflow_instance_id, .task_id = produce.task_id,
                    .status = TaskResultStatus::kCompleted, .external_output_payload_storage_path = path};
  e.f.engine.queue().update_task(result);
  CHECK(e.f.poll("consume").input_data.at("data") == "uploaded");
}

TEST_CASE("payloads over the maximum are refused and nothing is stored", "[payload]") {
  PayloadEngine e;
  CHECK_THROWS_WITH(e.f.start("big", payload_of(5000)),
                    Catch::Contains("WORKFLOW_INPUT payload size") && Catch::Contains("4096 bytes"));
  CHECK(e.f.engine.executor().running_workflow_ids("big").empty());
  CHECK(std::filesystem::is_empty(e.payload_dir));

  e.f.start("big", {});
  const Task produce = e.f.poll("produce");
  CHECK_THROWS_AS(e.f.complete(produce, payload_of(5000)), ValidationError);
  CHECK(e.f.engine.queue().get_task(produce.task_id).status == TaskStatus::kInProgress);
}

TEST_CASE("without a payload storage the maximum still holds and paths are refused", "[payload]") {
  EngineFixture f([](EngineOptions& options) { options.payload_limits = small_limits(); });
  f.workflow_def(R"({"name": "w", "tasks": [{"name": "t", "taskReferenceName": "t"}]})");
  CHECK_THROWS_AS(f.start("w", payload_of(5000)), ValidationError);
  const std::string id = f.start("w", payload_of(2000));
  CHECK(f.workflow(id).input == payload_of(2000));
  StartWorkflowRequest request{.name = "w", .external_input_payload_storage_path = "workflow_input-x.json"};
  CHECK_THROWS_WITH(f.engine.executor().start_workflow(request), Catch::Contains("not configured"));
}

TEST_CASE("the directory payload storage", "[payload]") {
  TempDir dir;
  auto storage = directory_payload_storage(dir.path() / "p");
  storage->write("a.json", R"({"k": 1})");
  CHECK(storage->exists("a.json"));
  CHECK(storage->read("a.json") == R"({"k": 1})");
  storage->write("a.json", "{}");
  CHECK(storage->read("a.json") == "{}");
  CHECK_THROWS_AS(storage->read("b.json"), NotFoundError);
  for (const char* bad : {"../a.json", "/etc/passwd", ".hidden", "a/b.json", ""}) {
    CHECK_FALSE(is_payload_path(bad));
    CHECK_THROWS_AS(storage->write(bad, "{}"), ValidationError);
  }
  const std::string path = new_payload_path(PayloadType::kTaskOutput);
  CHECK(client_payload_type(path) == PayloadType::kTaskOutput);
  CHECK_FALSE(client_payload_type("a.json"));
  CHECK(parse_payload_type("task_input") == PayloadType::kTaskInput);
  CHECK_FALSE(parse_payload_type("TASK"));
}
