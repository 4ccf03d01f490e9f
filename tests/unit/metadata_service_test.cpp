#include "unit/violations.hpp"

#include <conductor/codec.hpp>
#include <conductor/engine.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>

using namespace conductor;
using conductor::test::violations_of;

namespace {

constexpr EpochMillis kStart = 1'700'000'000'000;

/// The service as an Engine on an in-memory database hands it out, with a clock the test moves.
struct Fixture {
  explicit Fixture(MetadataOptions options = {}) : engine(engine_options(options, manual)) {}

  static EngineOptions engine_options(MetadataOptions metadata, ManualClock*& manual) {
    auto clock = std::make_unique<ManualClock>(kStart);
    manual = clock.get();
    EngineOptions options;
    options.clock = std::move(clock);
    options.background = false;
    options.metadata = metadata;
    return options;
  }

  ManualClock* manual = nullptr;
  Engine engine;
  ManualClock& clock = *manual;
  MetadataService& metadata = engine.metadata();
};

TaskDef task_def(std::string_view name) { return decode<TaskDef>(R"({"name":")" + std::string(name) + R"("})"); }

/// A valid definition with one SIMPLE task.
WorkflowDef workflow_def(std::string_view name, int version = 1) {
  auto def = decode<WorkflowDef>(R"({"name":")" + std::string(name) +
                                 R"(","tasks":[{"name":"work","taskReferenceName":"work_ref"}]})");
  def.version = version;
  return def;
}

EventHandler handler(std::string_view name, std::string_view event, bool active) {
  auto h = decode<EventHandler>(R"({"name":")" + std::string(name) + R"(","event":")" + std::string(event) +
                                R"(","actions":[{"action":"complete_task"}]})");
  h.active = active;
  return h;
}

template <class Call>
std::string error_message(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("expected an error");
  return {};
}

}  // namespace

TEST_CASE("metadata service: registering task definitions stamps the create time and upserts", "[unit]") {
  Fixture f;
  TaskDef def = task_def("encode");
  def.update_time = 5;
  def.updated_by = "someone";
  f.metadata.register_task_defs({def, task_def("archive")});

  auto stored = f.metadata.get_task_def("encode");
  CHECK(stored.create_time == kStart);
  CHECK(stored.update_time == 0);
  CHECK_FALSE(stored.updated_by.has_value());

  f.clock.advance_seconds(10);
  def.retry_count = 7;
  f.metadata.register_task_defs({def});
  stored = f.metadata.get_task_def("encode");
  CHECK(stored.retry_count == 7);
  CHECK(stored.create_time == kStart + 10'000);

  auto all = f.metadata.list_task_defs();
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "archive");
  CHECK(all[1].name == "encode");
}

TEST_CASE("metadata service: one invalid task definition stores none of the list", "[unit]") {
  Fixture f;
  TaskDef bad = task_def("");
  bad.retry_count = -1;
  auto v = violations_of([&] { f.metadata.register_task_defs({task_def("good"), bad}); });
  REQUIRE(v.size() == 2);
  CHECK_VIOLATION(v, "registerTaskDef.taskDefinitions[1].name", "TaskDef name cannot be null or empty");
  CHECK_VIOLATION(v, "registerTaskDef.taskDefinitions[1].retryCount", "TaskDef retryCount: 0 must be >= 0");
  CHECK(f.metadata.list_task_defs().empty());

  auto empty = violations_of([&] { f.metadata.register_task_defs({}); });
  REQUIRE(empty.size() == 1);
  CHECK_VIOLATION(empty, "registerTaskDef.taskDefinitions", "TaskDefList is empty");
}

TEST_CASE("metadata service: updating a task definition keeps its creation stamp", "[unit]") {
  Fixture f;
  CHECK_THROWS_AS(f.metadata.update_task_def(task_def("ghost")), NotFoundError);
  CHECK(error_message([&] { f.metadata.update_task_def(task_def("ghost")); }) == "No such task by name ghost");

  TaskDef def = task_def("encode");
  def.created_by = "ignored";
  f.metadata.register_task_defs({def});
  f.clock.advance_seconds(30);
  TaskDef update = task_def("encode");
  update.retry_count = 1;
  update.create_time = 42;
  f.metadata.update_task_def(update);

  auto stored = f.metadata.get_task_def("encode");
  CHECK(stored.retry_count == 1);
  CHECK(stored.create_time == kStart);
  CHECK(stored.update_time == kStart + 30'000);
  CHECK_FALSE(stored.created_by.has_value());

  TaskDef invalid = task_def("encode");
  invalid.timeout_seconds = 60;
  auto v = violations_of([&] { f.metadata.update_task_def(invalid); });
  REQUIRE(v.size() == 1);
  CHECK_VIOLATION(v, "updateTaskDef.taskDefinition",
                  "TaskDef: encode responseTimeoutSeconds: 3600 must be less than timeoutSeconds: 60");
  CHECK(f.metadata.get_task_def("encode").retry_count == 1);
}

TEST_CASE("metadata service: reading and removing task definitions", "[unit]") {
  Fixture f;
  CHECK_FALSE(f.metadata.find_task_def("encode").has_value());
  CHECK(error_message([&] { f.metadata.get_task_def("encode"); }) == "No such taskType found by name: encode");
  CHECK_THROWS_AS(f.metadata.remove_task_def("encode"), NotFoundError);

  f.metadata.register_task_defs({task_def("encode")});
  CHECK(f.metadata.find_task_def("encode").has_value());
  f.metadata.remove_task_def("encode");
  CHECK_FALSE(f.metadata.find_task_def("encode").has_value());

  auto v = violations_of([&] { f.metadata.get_task_def(""); });
  CHECK_VIOLATION(v, "getTaskDef.taskType", "TaskType cannot be null or empty");
  v = violations_of([&] { f.metadata.remove_task_def(""); });
  CHECK_VIOLATION(v, "unregisterTaskDef.taskType", "TaskName cannot be null or empty");
}

TEST_CASE("metadata service: registering a workflow definition conflicts unless overwriting", "[unit]") {
  Fixture f;
  f.metadata.register_workflow_def(workflow_def("media"));
  auto stored = f.metadata.get_workflow_def("media", 1);
  CHECK(stored.create_time == kStart);
  CHECK(stored.update_time == 0);

  CHECK_THROWS_AS(f.metadata.register_workflow_def(workflow_def("media")), ConflictError);
  CHECK(error_message([&] { f.metadata.register_workflow_def(workflow_def("media")); }) ==
        "Workflow with media.1 already exists!");

  SECTION("the conflict is found before validation") {
    WorkflowDef invalid = workflow_def("media");
    invalid.tasks.clear();
    CHECK_THROWS_AS(f.metadata.register_workflow_def(invalid), ConflictError);
  }
  SECTION("overwrite replaces the body and stamps the update time") {
    f.clock.advance_seconds(5);
    WorkflowDef changed = workflow_def("media");
    changed.description = "v1, again";
    changed.create_time = stored.create_time;
    f.metadata.register_workflow_def(changed, true);
    auto replaced = f.metadata.get_workflow_def("media", 1);
    CHECK(replaced.description == "v1, again");
    CHECK(replaced.create_time == kStart);
    CHECK(replaced.update_time == kStart + 5'000);
  }
  SECTION("an invalid overwrite reports the update paths and keeps the stored body") {
    WorkflowDef invalid = workflow_def("media");
    invalid.tasks[0].task_reference_name.clear();
    auto v = violations_of([&] { f.metadata.register_workflow_def(invalid, true); });
    CHECK_VIOLATION(v, "updateWorkflowDef.def.tasks[0].taskReferenceName",
                    "WorkflowTask taskReferenceName name cannot be empty or null");
    CHECK(f.metadata.get_workflow_def("media").tasks[0].task_reference_name == "work_ref");
  }
}

TEST_CASE("metadata service: an invalid new workflow definition is rejected with registration paths", "[unit]") {
  Fixture f;
  WorkflowDef def = workflow_def("media");
  def.tasks.push_back(def.tasks[0]);
  def.schema_version = 1;
  auto v = violations_of([&] { f.metadata.register_workflow_def(def); });
  REQUIRE(v.size() == 2);
  CHECK_VIOLATION(v, "registerWorkflowDef.workflowDef.schemaVersion", "workflowDef schemaVersion: 2 is only supported");
  CHECK_VIOLATION(v, "registerWorkflowDef.workflowDef",
                  "taskReferenceName: work_ref should be unique across tasks for a given workflowDefinition: media");
  CHECK(f.metadata.list_workflow_defs().empty());

  auto blank = violations_of([&] { f.metadata.register_workflow_def(workflow_def("")); });
  CHECK_VIOLATION(blank, "registerWorkflowDef.workflowDef.name", "WorkflowDef name cannot be null or empty");
}

TEST_CASE("metadata service: validation sees the registered task definitions", "[unit]") {
  Fixture f;
  auto def = decode<WorkflowDef>(R"({"name":"calls","tasks":[
      {"name":"fetch","taskReferenceName":"fetch","type":"HTTP"},
      {"name":"custom","taskReferenceName":"custom","type":"MY_WORKER"}]})");
  auto v = violations_of([&] { f.metadata.validate_workflow_def(def); });
  REQUIRE(v.size() == 2);
  CHECK_VIOLATION(v, "validateWorkflowDef.workflowDef.tasks[0]",
                  "inputParameters.http_request field is required for taskType: HTTP taskName: fetch");
  CHECK_VIOLATION(v, "validateWorkflowDef.workflowDef.tasks[1]", "workflowTask: custom task definition is not defined");
  CHECK(f.metadata.list_workflow_defs().empty());

  f.metadata.register_task_defs(
      {decode<TaskDef>(R"({"name":"fetch","inputTemplate":{"http_request":{"uri":"http://x"}}})"), task_def("custom")});
  CHECK_NOTHROW(f.metadata.validate_workflow_def(def));
  f.metadata.register_workflow_def(def);
  CHECK(f.metadata.find_workflow_def("calls").has_value());
}

TEST_CASE("metadata service: task definitions can be made mandatory for SIMPLE tasks", "[unit]") {
  MetadataOptions options;
  options.task_def_mandatory = true;
  Fixture f(options);
  MetadataService& strict = f.metadata;
  CHECK(strict.options().task_def_mandatory);

  auto v = violations_of([&] { strict.register_workflow_def(workflow_def("media")); });
  CHECK_VIOLATION(v, "registerWorkflowDef.workflowDef.tasks[0]", "workflowTask: work task definition is not defined");
  strict.register_task_defs({task_def("work")});
  CHECK_NOTHROW(strict.register_workflow_def(workflow_def("media")));
}

TEST_CASE("metadata service: versions and the latest definition", "[unit]") {
  Fixture f;
  f.metadata.register_workflow_def(workflow_def("media", 1));
  f.clock.advance_seconds(1);
  f.metadata.register_workflow_def(workflow_def("media", 2));
  f.metadata.register_workflow_def(workflow_def("audit", 3));

  CHECK(f.metadata.get_workflow_def("media").version == 2);
  CHECK(f.metadata.get_workflow_def("media", 1).version == 1);
  CHECK(error_message([&] { f.metadata.get_workflow_def("media", 9); }) ==
        "No such workflow found by name: media, version: 9");
  CHECK(error_message([&] { f.metadata.get_workflow_def("ghost"); }) ==
        "No such workflow found by name: ghost, version: null");
  CHECK_FALSE(f.metadata.find_workflow_def("media", 9).has_value());

  f.metadata.remove_workflow_def("media", 2);
  CHECK(f.metadata.get_workflow_def("media").version == 1);
  CHECK_THROWS_AS(f.metadata.remove_workflow_def("media", 2), NotFoundError);
  CHECK(error_message([&] { f.metadata.remove_workflow_def("media", 2); }) ==
        "No such workflow definition: media version: 2");
  auto v = violations_of([&] { f.metadata.remove_workflow_def("", 1); });
  CHECK_VIOLATION(v, "unregisterWorkflowDef.name", "Workflow name cannot be null or empty");
  v = violations_of([&] { f.metadata.get_workflow_def(""); });
  CHECK_VIOLATION(v, "getWorkflowDef.name", "Workflow name cannot be null or empty");
}

TEST_CASE("metadata service: listings of workflow definitions", "[unit]") {
  Fixture f;
  f.metadata.register_workflow_def(workflow_def("media", 2));
  f.clock.advance_seconds(1);
  f.metadata.register_workflow_def(workflow_def("media", 1));
  WorkflowDef agent = workflow_def("assistant");
  agent.metadata["agentDef"] = JsonObject{};
  f.metadata.register_workflow_def(agent);
  WorkflowDef tagged = workflow_def("billing");
  tagged.metadata["classifier"] = "Finance";
  f.metadata.register_workflow_def(tagged);

  auto all = f.metadata.list_workflow_defs();
  REQUIRE(all.size() == 4);
  CHECK(all[0].name == "assistant");
  CHECK(all[1].name == "billing");
  CHECK((all[2].name == "media" && all[2].version == 1));
  CHECK((all[3].name == "media" && all[3].version == 2));

  auto workflows = f.metadata.list_workflow_defs("WORKFLOW");
  REQUIRE(workflows.size() == 2);
  CHECK(workflows[0].name == "media");
  REQUIRE(f.metadata.list_workflow_defs("agent").size() == 1);
  CHECK(f.metadata.list_workflow_defs("agent")[0].name == "assistant");
  REQUIRE(f.metadata.list_workflow_defs("finance").size() == 1);
  CHECK(f.metadata.list_workflow_defs("").size() == 4);

  auto latest = f.metadata.latest_workflow_defs();
  REQUIRE(latest.size() == 3);
  CHECK((latest[2].name == "media" && latest[2].version == 2));

  CHECK(f.metadata.workflow_names() == std::vector<std::string>{"assistant", "billing", "media"});

  auto names = f.metadata.names_and_versions();
  REQUIRE(names.size() == 3);
  REQUIRE(names["media"].size() == 2);
  CHECK(names["media"][0].version == 1);
  CHECK(names["media"][0].create_time == kStart + 1'000);
  CHECK_FALSE(names["media"][0].update_time.has_value());
  CHECK(names["media"][1].version == 2);
  CHECK(names["media"][1].create_time == kStart);

  auto versions = f.metadata.workflow_versions("media");
  REQUIRE(versions.size() == 2);
  CHECK(versions[0].version == 1);
  CHECK(f.metadata.workflow_versions("ghost").empty());
}

TEST_CASE("metadata service: bulk update creates or replaces every definition", "[unit]") {
  Fixture f;
  f.metadata.register_workflow_def(workflow_def("media"));
  f.clock.advance_seconds(3);
  WorkflowDef replaced = workflow_def("media");
  replaced.description = "replaced";
  auto response = f.metadata.update_workflow_defs({replaced, workflow_def("audit", 4)});
  CHECK(response.bulk_successful_results == std::vector<std::string>{"media", "audit"});
  CHECK(response.bulk_error_results.empty());

  auto media = f.metadata.get_workflow_def("media");
  CHECK(media.description == "replaced");
  CHECK(media.update_time == kStart + 3'000);
  // Conductor's PUT stores the submitted document as is: a createTime the client omits is lost.
  CHECK(media.create_time == 0);
  CHECK(f.metadata.get_workflow_def("audit", 4).update_time == kStart + 3'000);
}

TEST_CASE("metadata service: one invalid definition in a bulk update stores nothing", "[unit]") {
  Fixture f;
  WorkflowDef bad = workflow_def("bad");
  bad.tasks.clear();
  auto v = violations_of([&] { f.metadata.update_workflow_defs({workflow_def("good"), bad}); });
  REQUIRE(v.size() == 1);
  CHECK_VIOLATION(v, "updateWorkflowDef.workflowDefList[1].tasks", "WorkflowTask list cannot be empty");
  CHECK(f.metadata.list_workflow_defs().empty());

  auto empty = violations_of([&] { f.metadata.update_workflow_defs({}); });
  CHECK_VIOLATION(empty, "updateWorkflowDef.workflowDefList", "WorkflowDefList is empty");
}

TEST_CASE("metadata service: validating a definition writes nothing", "[unit]") {
  Fixture f;
  CHECK_NOTHROW(f.metadata.validate_workflow_def(workflow_def("media")));
  CHECK(f.metadata.list_workflow_defs().empty());
  auto v = violations_of([&] { f.metadata.validate_workflow_def(workflow_def("")); });
  CHECK_VIOLATION(v, "validateWorkflowDef.workflowDef.name", "WorkflowDef name cannot be null or empty");
}

TEST_CASE("metadata service: event handlers", "[unit]") {
  Fixture f;
  f.metadata.add_event_handler(handler("on_done", "conductor:media:encode", true));
  f.metadata.add_event_handler(handler("on_done_off", "conductor:media:encode", false));
  f.metadata.add_event_handler(handler("other", "sqs:queue", true));

  CHECK_THROWS_AS(f.metadata.add_event_handler(handler("on_done", "x", true)), ConflictError);
  CHECK(error_message([&] { f.metadata.add_event_handler(handler("on_done", "x", true)); }) ==
        "EventHandler with name on_done already exists!");

  auto all = f.metadata.list_event_handlers();
  REQUIRE(all.size() == 3);
  CHECK(all[0].name == "on_done");

  auto active = f.metadata.event_handlers_for("conductor:media:encode");
  REQUIRE(active.size() == 1);
  CHECK(active[0].name == "on_done");
  CHECK(f.metadata.event_handlers_for("conductor:media:encode", false).size() == 2);
  CHECK(f.metadata.event_handlers_for("conductor:media").empty());

  f.metadata.update_event_handler(handler("on_done_off", "conductor:media:encode", true));
  CHECK(f.metadata.event_handlers_for("conductor:media:encode").size() == 2);
  CHECK(error_message([&] { f.metadata.update_event_handler(handler("ghost", "x", true)); }) ==
        "EventHandler with name ghost not found!");
  CHECK_THROWS_AS(f.metadata.update_event_handler(handler("ghost", "x", true)), NotFoundError);

  f.metadata.remove_event_handler("other");
  CHECK(f.metadata.list_event_handlers().size() == 2);
  CHECK_THROWS_AS(f.metadata.remove_event_handler("other"), NotFoundError);

  auto v = violations_of([&] { f.metadata.add_event_handler(EventHandler{}); });
  REQUIRE(v.size() == 3);
  CHECK_VIOLATION(v, "addEventHandler.eventHandler.name", "Missing event handler name");
  v = violations_of([&] { f.metadata.update_event_handler(handler("on_done", "", true)); });
  REQUIRE(v.size() == 1);
  CHECK_VIOLATION(v, "updateEventHandler.eventHandler.event", "Missing event location");
  EventHandler agent = handler("agent", "conductor:media:encode", true);
  agent.actions.front().action = EventActionType::kStartAgent;
  agent.actions.push_back(EventAction{});
  v = violations_of([&] { f.metadata.add_event_handler(agent); });
  REQUIRE(v.size() == 2);
  CHECK_VIOLATION(v, "addEventHandler.eventHandler.actions[0].action", "The start_agent action is not supported");
  CHECK_VIOLATION(v, "addEventHandler.eventHandler.actions[1].action", "Missing action type");
  CHECK(f.metadata.event_handlers_for("conductor:media:encode", false).size() == 2);
  v = violations_of([&] { f.metadata.remove_event_handler(""); });
  CHECK_VIOLATION(v, "removeEventHandlerStatus.name", "EventName cannot be null or empty");
  v = violations_of([&] { f.metadata.event_handlers_for(""); });
  CHECK_VIOLATION(v, "getEventHandlersForEvent.event", "EventName cannot be null or empty");
}
