#include "metadata_validation.hpp"
#include "unit/violations.hpp"

#include <conductor/codec.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <string>

using namespace conductor;
using conductor::test::violations_of;

namespace {

const std::string kPath = "registerWorkflowDef.workflowDef";

struct Registry {
  std::map<std::string, TaskDef, std::less<>> defs;

  detail::TaskDefLookup lookup() const {
    return [this](std::string_view name) -> std::optional<TaskDef> {
      auto it = defs.find(name);
      if (it == defs.end()) return std::nullopt;
      return it->second;
    };
  }
};

std::vector<FieldViolation> check_task(std::string_view json, MetadataOptions options = {}) {
  std::vector<FieldViolation> out;
  detail::check_task_def(decode<TaskDef>(json), "registerTaskDef.taskDefinitions[0]", options, out);
  return out;
}

std::vector<FieldViolation> check_workflow(const WorkflowDef& def, const Registry& registry = {},
                                           MetadataOptions options = {}) {
  std::vector<FieldViolation> out;
  detail::check_workflow_def(def, kPath, {options, registry.lookup(), {}}, out);
  return out;
}

std::vector<FieldViolation> check_workflow(std::string_view json, const Registry& registry = {},
                                           MetadataOptions options = {}) {
  return check_workflow(decode<WorkflowDef>(json), registry, options);
}

/// A definition whose only task is `task_json`.
std::vector<FieldViolation> check_single(std::string_view task_json, const Registry& registry = {},
                                         MetadataOptions options = {}) {
  return check_workflow(R"({"name":"wf","tasks":[)" + std::string(task_json) + "]}", registry, options);
}

std::string required(std::string_view field, std::string_view type, std::string_view name) {
  return std::string(field) + " field is required for taskType: " + std::string(type) + " taskName: " +
         std::string(name);
}

}  // namespace

TEST_CASE("metadata validation: a task definition with defaults is valid", "[unit]") {
  CHECK(check_task(R"({"name":"encode"})").empty());
  CHECK(check_task(R"({"name":"encode","timeoutSeconds":600,"responseTimeoutSeconds":60,"totalTimeoutSeconds":600})")
            .empty());
}

TEST_CASE("metadata validation: task definition field rules", "[unit]") {
  const std::string p = "registerTaskDef.taskDefinitions[0]";
  auto v = check_task(R"({"name":"","retryCount":-1,"responseTimeoutSeconds":0,"pollTimeoutSeconds":-1,
      "backoffScaleFactor":0,"maxRetryDelaySeconds":-1,"backoffJitterMs":-1,"totalTimeoutSeconds":-1})");
  CHECK(v.size() == 8);
  CHECK_VIOLATION(v, p + ".name", "TaskDef name cannot be null or empty");
  CHECK_VIOLATION(v, p + ".retryCount", "TaskDef retryCount: 0 must be >= 0");
  CHECK_VIOLATION(v, p + ".responseTimeoutSeconds", "TaskDef responseTimeoutSeconds: 0 should be minimum 1 second");
  CHECK_VIOLATION(v, p + ".pollTimeoutSeconds", "TaskDef pollTimeoutSeconds: 0 must be >= 0");
  CHECK_VIOLATION(v, p + ".backoffScaleFactor", "Backoff scale factor. Applicable for LINEAR_BACKOFF");
  CHECK_VIOLATION(v, p + ".maxRetryDelaySeconds", "TaskDef maxRetryDelaySeconds: 0 must be >= 0");
  CHECK_VIOLATION(v, p + ".backoffJitterMs", "TaskDef backoffJitterMs: 0 must be >= 0");
  CHECK_VIOLATION(v, p + ".totalTimeoutSeconds", "TaskDef totalTimeoutSeconds: 0 must be >= 0");

  SECTION("the rejected value is echoed for numbers") {
    auto retry = check_task(R"({"name":"t","retryCount":-1})");
    REQUIRE(retry.size() == 1);
    CHECK(retry[0].invalid_value == "-1");
  }
}

TEST_CASE("metadata validation: task definition timeout rules", "[unit]") {
  const std::string p = "registerTaskDef.taskDefinitions[0]";
  SECTION("the default response timeout exceeds a short timeout") {
    auto v = check_task(R"({"name":"short","timeoutSeconds":60})");
    REQUIRE(v.size() == 1);
    CHECK_VIOLATION(v, p, "TaskDef: short responseTimeoutSeconds: 3600 must be less than timeoutSeconds: 60");
  }
  SECTION("the timeout exceeds the total timeout") {
    auto v = check_task(R"({"name":"t","timeoutSeconds":1000,"totalTimeoutSeconds":900,"responseTimeoutSeconds":1})");
    REQUIRE(v.size() == 1);
    CHECK_VIOLATION(v, p, "TaskDef: t timeoutSeconds: 1000 must be less than or equal to totalTimeoutSeconds: 900");
  }
  SECTION("zero timeouts switch the checks off") {
    CHECK(check_task(R"({"name":"t","timeoutSeconds":0,"totalTimeoutSeconds":10})").empty());
  }
}

TEST_CASE("metadata validation: owner email only when mandatory", "[unit]") {
  MetadataOptions mandatory;
  mandatory.owner_email_mandatory = true;
  CHECK(check_task(R"({"name":"t"})").empty());
  CHECK_VIOLATION(check_task(R"({"name":"t"})", mandatory), "registerTaskDef.taskDefinitions[0].ownerEmail",
                  "ownerEmail cannot be empty");
  CHECK(check_task(R"({"name":"t","ownerEmail":"a@b.c"})", mandatory).empty());

  auto wf = check_workflow(R"({"name":"wf","tasks":[{"name":"a","taskReferenceName":"a"}]})", {}, mandatory);
  REQUIRE(wf.size() == 1);
  CHECK_VIOLATION(wf, kPath + ".ownerEmail", "ownerEmail cannot be empty");
}

TEST_CASE("metadata validation: workflow definition field rules", "[unit]") {
  CHECK(check_workflow(R"({"name":"wf","tasks":[{"name":"a","taskReferenceName":"a"}]})").empty());

  auto v = check_workflow(R"({"name":"","tasks":[],"schemaVersion":1})");
  REQUIRE(v.size() == 3);
  CHECK_VIOLATION(v, kPath + ".name", "WorkflowDef name cannot be null or empty");
  CHECK_VIOLATION(v, kPath + ".tasks", "WorkflowTask list cannot be empty");
  CHECK_VIOLATION(v, kPath + ".schemaVersion", "workflowDef schemaVersion: 2 is only supported");
  CHECK(v[2].invalid_value == "1");
}

TEST_CASE("metadata validation: node fields are checked at every nesting level with their paths", "[unit]") {
  auto v = check_workflow(R"({"name":"wf","tasks":[
      {"name":"","taskReferenceName":"","startDelay":-1},
      {"name":"sw","taskReferenceName":"sw","type":"SWITCH","evaluatorType":"value-param","expression":"x",
       "decisionCases":{"a":[{"name":"","taskReferenceName":"in_a"}]},
       "defaultCase":[{"name":"d","taskReferenceName":""}]},
      {"name":"fork","taskReferenceName":"fork","type":"FORK_JOIN",
       "forkTasks":[[{"name":"b0","taskReferenceName":"b0"}],[{"name":"","taskReferenceName":"b1"}]]},
      {"name":"loop","taskReferenceName":"loop","type":"DO_WHILE","loopCondition":"false",
       "loopOver":[{"name":"body","taskReferenceName":"body","startDelay":-5}]}]})");
  CHECK(v.size() == 7);
  CHECK_VIOLATION(v, kPath + ".tasks[0].name", "WorkflowTask name cannot be empty or null");
  CHECK_VIOLATION(v, kPath + ".tasks[0].taskReferenceName",
                  "WorkflowTask taskReferenceName name cannot be empty or null");
  CHECK_VIOLATION(v, kPath + ".tasks[0].startDelay", "must be greater than or equal to 0");
  CHECK_VIOLATION(v, kPath + ".tasks[1].decisionCases[a][0].name", "WorkflowTask name cannot be empty or null");
  CHECK_VIOLATION(v, kPath + ".tasks[1].defaultCase[0].taskReferenceName",
                  "WorkflowTask taskReferenceName name cannot be empty or null");
  CHECK_VIOLATION(v, kPath + ".tasks[2].forkTasks[1][0].name", "WorkflowTask name cannot be empty or null");
  CHECK_VIOLATION(v, kPath + ".tasks[3].loopOver[0].startDelay", "must be greater than or equal to 0");
}

TEST_CASE("metadata validation: reference names are unique across the whole tree", "[unit]") {
  auto v = check_workflow(R"({"name":"wf","tasks":[
      {"name":"a","taskReferenceName":"a"},
      {"name":"a","taskReferenceName":"a"},
      {"name":"sw","taskReferenceName":"sw","type":"SWITCH","evaluatorType":"value-param","expression":"x",
       "decisionCases":{"x":[{"name":"c","taskReferenceName":"dup"}]},"defaultCase":[{"name":"c","taskReferenceName":"dup"}]},
      {"name":"fork","taskReferenceName":"fork","type":"FORK_JOIN","forkTasks":[[{"name":"f","taskReferenceName":"sw"}]]},
      {"name":"loop","taskReferenceName":"loop","type":"DO_WHILE","loopCondition":"false",
       "loopOver":[{"name":"l","taskReferenceName":"fork"}]}]})");
  REQUIRE(v.size() == 4);
  for (std::string ref : {"a", "dup", "sw", "fork"}) {
    CHECK_VIOLATION(v, kPath,
                    "taskReferenceName: " + ref + " should be unique across tasks for a given workflowDefinition: wf");
  }
}

TEST_CASE("metadata validation: required fields per task type", "[unit]") {
  const std::string node = kPath + ".tasks[0]";

  SECTION("EVENT needs a sink") {
    auto v = check_single(R"({"name":"e","taskReferenceName":"e","type":"EVENT"})");
    REQUIRE(v.size() == 1);
    CHECK_VIOLATION(v, node, required("sink", "EVENT", "e"));
    CHECK(check_single(R"({"name":"e","taskReferenceName":"e","type":"EVENT","sink":"conductor"})").empty());
  }
  SECTION("DECISION needs a case parameter and cases") {
    auto v = check_single(R"({"name":"d","taskReferenceName":"d","type":"DECISION"})");
    REQUIRE(v.size() == 2);
    CHECK_VIOLATION(v, node, required("caseValueParam or caseExpression", "DECISION", "d"));
    CHECK_VIOLATION(v, node, "decisionCases should have atleast one task for taskType: DECISION taskName: d");
    CHECK(check_single(R"({"name":"d","taskReferenceName":"d","type":"DECISION","caseValueParam":"k",
        "decisionCases":{"x":[{"name":"a","taskReferenceName":"a"}]}})")
              .empty());
  }
  SECTION("SWITCH needs an evaluator, then an expression, and cases") {
    auto v = check_single(R"({"name":"s","taskReferenceName":"s","type":"SWITCH"})");
    REQUIRE(v.size() == 2);
    CHECK_VIOLATION(v, node, required("evaluatorType", "SWITCH", "s"));
    CHECK_VIOLATION(v, node, "decisionCases should have atleast one task for taskType: SWITCH taskName: s");
    auto no_expression = check_single(R"({"name":"s","taskReferenceName":"s","type":"SWITCH",
        "evaluatorType":"javascript","decisionCases":{"x":[{"name":"a","taskReferenceName":"a"}]}})");
    REQUIRE(no_expression.size() == 1);
    CHECK_VIOLATION(no_expression, node, required("expression", "SWITCH", "s"));
  }
  SECTION("SWITCH javascript expressions and DECISION case expressions must parse") {
    auto bad_switch = check_single(R"({"name":"s","taskReferenceName":"s","type":"SWITCH","evaluatorType":"javascript",
        "expression":"$.a >","decisionCases":{"x":[{"name":"a","taskReferenceName":"a"}]}})");
    REQUIRE(bad_switch.size() == 1);
    CHECK(bad_switch[0].path == node);
    CHECK_THAT(bad_switch[0].message, Catch::StartsWith("Expression is not well formatted: SyntaxError: ") &&
                                          Catch::EndsWith(", taskType: SWITCH taskName s"));
    auto bad_decision = check_single(R"({"name":"d","taskReferenceName":"d","type":"DECISION","caseExpression":"if (",
        "decisionCases":{"x":[{"name":"a","taskReferenceName":"a"}]}})");
    REQUIRE(bad_decision.size() == 1);
    CHECK_THAT(bad_decision[0].message, Catch::StartsWith("Expression is not well formatted: SyntaxError: ") &&
                                            Catch::EndsWith(", taskType: DECISION taskName d"));
    // Only the syntax: a script that fails on the unresolved input alone still passes.
    CHECK(check_single(R"({"name":"s","taskReferenceName":"s","type":"SWITCH","evaluatorType":"javascript",
        "expression":"$.missing.field > 1","decisionCases":{"x":[{"name":"a","taskReferenceName":"a"}]}})")
              .empty());
    // As in Conductor, only the evaluator named `javascript` is checked.
    CHECK(check_single(R"({"name":"s","taskReferenceName":"s","type":"SWITCH","evaluatorType":"graaljs",
        "expression":"$.a >","decisionCases":{"x":[{"name":"a","taskReferenceName":"a"}]}})")
              .empty());
    CHECK(check_single(R"({"name":"s","taskReferenceName":"s","type":"SWITCH","evaluatorType":"value-param",
        "expression":"not js (","decisionCases":{"x":[{"name":"a","taskReferenceName":"a"}]}})")
              .empty());
  }
  SECTION("DYNAMIC needs its name parameter") {
    auto v = check_single(R"({"name":"dy","taskReferenceName":"dy","type":"DYNAMIC"})");
    REQUIRE(v.size() == 1);
    CHECK_VIOLATION(v, node, required("dynamicTaskNameParam", "DYNAMIC", "dy"));
  }
  SECTION("FORK_JOIN needs branches") {
    auto v = check_single(R"({"name":"f","taskReferenceName":"f","type":"FORK_JOIN"})");
    REQUIRE(v.size() == 1);
    CHECK_VIOLATION(v, node, "forkTasks should have atleast one task for taskType: FORK_JOIN taskName: f");
  }
  SECTION("DO_WHILE needs a condition and a body") {
    auto v = check_single(R"({"name":"l","taskReferenceName":"l","type":"DO_WHILE"})");
    REQUIRE(v.size() == 2);
    CHECK_VIOLATION(v, node, required("loopCondition", "DO_WHILE", "l"));
    CHECK_VIOLATION(v, node, required("loopOver", "DO_WHILE", "l"));
  }
  SECTION("SUB_WORKFLOW needs parameters naming the workflow, unless they carry a definition") {
    auto missing = check_single(R"({"name":"sub","taskReferenceName":"sub","type":"SUB_WORKFLOW"})");
    REQUIRE(missing.size() == 1);
    CHECK_VIOLATION(missing, node, required("subWorkflowParam", "SUB_WORKFLOW", "sub"));

    auto unnamed = check_single(R"({"name":"sub","taskReferenceName":"sub","type":"SUB_WORKFLOW","subWorkflowParam":{}})");
    REQUIRE(unnamed.size() == 2);
    CHECK_VIOLATION(unnamed, node + ".subWorkflowParam.name", "SubWorkflowParams name cannot be null");
    CHECK_VIOLATION(unnamed, node + ".subWorkflowParam.name", "SubWorkflowParams name cannot be empty");

    CHECK(check_single(R"({"name":"sub","taskReferenceName":"sub","type":"SUB_WORKFLOW",
        "subWorkflowParam":{"workflowDefinition":"${workflow.input.def}"}})")
              .empty());
  }
  SECTION("TERMINATE must not be optional and needs a valid status") {
    auto v = check_single(R"({"name":"t","taskReferenceName":"t","type":"TERMINATE","optional":true,
        "inputParameters":{"terminationStatus":"RUNNING"}})");
    REQUIRE(v.size() == 2);
    CHECK_VIOLATION(v, node, "terminate task cannot be optional, taskName: t");
    CHECK_VIOLATION(v, node,
                    "terminate task must have an terminationStatus parameter and must be set to COMPLETED or FAILED, "
                    "taskName: t");
    for (std::string status : {"COMPLETED", "FAILED", "TERMINATED"}) {
      CHECK(check_single(R"({"name":"t","taskReferenceName":"t","type":"TERMINATE",
          "inputParameters":{"terminationStatus":")" + status + R"("}})")
                .empty());
    }
  }
}

TEST_CASE("metadata validation: input-carrying system tasks accept the key from a task definition", "[unit]") {
  const std::string node = kPath + ".tasks[0]";
  struct Case {
    std::string type;
    std::string key;
  };
  for (const Case& c : {Case{"HTTP", "http_request"}, Case{"KAFKA_PUBLISH", "kafka_request"},
                        Case{"JSON_JQ_TRANSFORM", "queryExpression"}}) {
    CAPTURE(c.type);
    const std::string bare = R"({"name":"sys","taskReferenceName":"sys","type":")" + c.type + R"("})";
    auto v = check_single(bare);
    REQUIRE(v.size() == 1);
    CHECK_VIOLATION(v, node, required("inputParameters." + c.key, c.type, "sys"));

    CHECK(check_single(R"({"name":"sys","taskReferenceName":"sys","type":")" + c.type +
                       R"(","inputParameters":{")" + c.key + R"(":{}}})")
              .empty());
    CHECK(check_single(R"({"name":"sys","taskReferenceName":"sys","type":")" + c.type +
                       R"(","taskDefinition":{"name":"sys","inputTemplate":{")" + c.key + R"(":{}}}})")
              .empty());
    Registry registry;
    registry.defs["sys"] = decode<TaskDef>(R"({"name":"sys","inputTemplate":{")" + c.key + R"(":{}}})");
    CHECK(check_single(bare, registry).empty());
  }
  SECTION("HTTP also takes top-level uri or method") {
    CHECK(check_single(R"({"name":"h","taskReferenceName":"h","type":"HTTP","inputParameters":{"uri":"http://x"}})")
              .empty());
    CHECK(check_single(R"({"name":"h","taskReferenceName":"h","type":"HTTP","inputParameters":{"method":"GET"}})")
              .empty());
  }
}

TEST_CASE("metadata validation: dynamic fork forms", "[unit]") {
  const std::string node = kPath + ".tasks[0]";
  auto fork = [](std::string_view fields) {
    return check_single(R"({"name":"df","taskReferenceName":"df","type":"FORK_JOIN_DYNAMIC")" + std::string(fields) +
                        "}");
  };
  CHECK(fork(R"(,"dynamicForkTasksParam":"tasks","dynamicForkTasksInputParamName":"inputs")").empty());
  CHECK(fork(R"(,"dynamicForkJoinTasksParam":"legacy")").empty());
  CHECK(fork(R"(,"inputParameters":{"forkTaskName":"x","forkTaskInputs":[]})").empty());

  auto none = fork("");
  REQUIRE(none.size() == 2);
  CHECK_VIOLATION(none, node, required("dynamicForkTasksParam", "FORK_JOIN_DYNAMIC", "df"));
  CHECK_VIOLATION(none, node, required("dynamicForkTasksInputParamName", "FORK_JOIN_DYNAMIC", "df"));

  auto mixed = fork(R"(,"dynamicForkJoinTasksParam":"legacy","dynamicForkTasksParam":"tasks")");
  REQUIRE(mixed.size() == 1);
  CHECK_VIOLATION(mixed, node,
                  "dynamicForkJoinTasksParam or combination of dynamicForkTasksInputParamName and "
                  "dynamicForkTasksParam cam be used for taskType: FORK_JOIN_DYNAMIC taskName: df");
}

TEST_CASE("metadata validation: WAIT duration and until", "[unit]") {
  const std::string node = kPath + ".tasks[0]";
  auto wait = [](std::string_view input) {
    return check_single(R"({"name":"w","taskReferenceName":"w","type":"WAIT","inputParameters":)" +
                        std::string(input) + "}");
  };
  CHECK(wait("{}").empty());
  for (std::string ok : {R"({"duration":"2d"})", R"({"duration":"1h 30m"})", R"({"duration":"10 mins"})",
                         R"({"duration":"${workflow.input.wait}"})", R"({"until":"2030-01-02 10:30"})",
                         R"({"until":"2030-01-02 10:30 UTC"})", R"({"until":"2030-01-02"})",
                         R"({"until":"${workflow.input.until}"})"}) {
    CAPTURE(ok);
    CHECK(wait(ok).empty());
  }

  auto both = wait(R"({"duration":"1s","until":"2030-01-02"})");
  REQUIRE(both.size() == 1);
  CHECK_VIOLATION(both, node, "Both 'duration' and 'until' specified. Please provide only one input");

  auto bad_duration = wait(R"({"duration":"soon"})");
  REQUIRE(bad_duration.size() == 1);
  CHECK_VIOLATION(bad_duration, node, "Either date or duration is passed as null ");

  auto bad_until = wait(R"({"until":"next tuesday"})");
  REQUIRE(bad_until.size() == 1);
  CHECK_VIOLATION(bad_until, node, "Unable to parse date ");
}

TEST_CASE("metadata validation: task definitions for worker nodes", "[unit]") {
  const std::string node = kPath + ".tasks[0]";
  const std::string simple = R"({"name":"work","taskReferenceName":"w"})";
  const std::string custom = R"({"name":"work","taskReferenceName":"w","type":"MY_WORKER"})";
  Registry registry;
  registry.defs["work"] = decode<TaskDef>(R"({"name":"work"})");

  SECTION("SIMPLE runs with defaults unless definitions are mandatory") {
    CHECK(check_single(simple).empty());
    MetadataOptions mandatory;
    mandatory.task_def_mandatory = true;
    auto v = check_single(simple, {}, mandatory);
    REQUIRE(v.size() == 1);
    CHECK_VIOLATION(v, node, "workflowTask: work task definition is not defined");
    CHECK(check_single(simple, registry, mandatory).empty());
    CHECK(check_single(R"({"name":"work","taskReferenceName":"w","taskDefinition":{"name":"work"}})", {}, mandatory)
              .empty());
  }
  SECTION("an unknown type always needs a definition") {
    auto v = check_single(custom);
    REQUIRE(v.size() == 1);
    CHECK_VIOLATION(v, node, "workflowTask: work task definition is not defined");
    CHECK(check_single(custom, registry).empty());
  }
}

TEST_CASE("metadata validation: input expressions of top-level tasks must resolve", "[unit]") {
  SECTION("workflow, any reference in the tree, system parameters and escapes are accepted") {
    CHECK(check_workflow(R"({"name":"wf","tasks":[
        {"name":"a","taskReferenceName":"a","inputParameters":{
          "w":"${workflow.input.x}","later":"${inner.output.y}","env":"${NETFLIX_ENV}","id":"${CPEWF_TASK_ID}",
          "text":"from ${a.output.z} and $${not_an_expression}","n":3,"nested":{"k":["${workflow.variables.v}"]}}},
        {"name":"loop","taskReferenceName":"loop","type":"DO_WHILE","loopCondition":"false",
         "loopOver":[{"name":"inner","taskReferenceName":"inner"}]}]})")
              .empty());
  }
  SECTION("unknown references name the key, the task and the whole value") {
    auto v = check_workflow(R"({"name":"wf","tasks":[{"name":"a","taskReferenceName":"a","inputParameters":{
        "x":"id: ${ghost.output.id}","deep":{"y":["${phantom}"]}}}]})");
    REQUIRE(v.size() == 2);
    CHECK_VIOLATION(v, kPath,
                    "taskReferenceName: ghost for given task: a input value: x of input parameter: id: "
                    "${ghost.output.id} is not defined in workflow definition.");
    CHECK_VIOLATION(v, kPath,
                    "taskReferenceName: phantom for given task: a input value: y of input parameter: ${phantom} is "
                    "not defined in workflow definition.");
  }
  SECTION("a path that does not compile is reported") {
    auto v = check_workflow(R"({"name":"wf","tasks":[{"name":"a","taskReferenceName":"a","inputParameters":{
        "x":"${workflow.input.}","y":"${a.output[0}"}}]})");
    REQUIRE(v.size() == 2);
    CHECK_VIOLATION(v, kPath, "key: x input parameter value: workflow.input. is not valid");
    CHECK_VIOLATION(v, kPath, "key: y input parameter value: a.output[0 is not valid");
  }
  SECTION("engine properties count as environment names") {
    auto def = decode<WorkflowDef>(
        R"({"name":"wf","tasks":[{"name":"a","taskReferenceName":"a","inputParameters":{"s":"${STACK2}"}}]})");
    detail::PropertyMap properties{{"STACK2", "test"}};
    std::vector<FieldViolation> out;
    detail::check_workflow_def(def, kPath, {{}, Registry{}.lookup(), detail::EnvironmentLookup(properties)}, out);
    CHECK(out.empty());
    CHECK(check_workflow(def).size() == 1);
  }
  SECTION("nested tasks' inputs are not checked, as in Conductor") {
    CHECK(check_workflow(R"({"name":"wf","tasks":[{"name":"loop","taskReferenceName":"loop","type":"DO_WHILE",
        "loopCondition":"false","loopOver":[{"name":"b","taskReferenceName":"b","inputParameters":{"x":"${ghost}"}}]}]})")
              .empty());
  }
}

TEST_CASE("metadata validation: every violation is reported at once", "[unit]") {
  auto v = check_workflow(R"({"name":"wf","schemaVersion":3,"tasks":[
      {"name":"e","taskReferenceName":"e","type":"EVENT"},
      {"name":"","taskReferenceName":"e","inputParameters":{"x":"${nobody}"}}]})");
  CHECK(v.size() == 5);
  CHECK_THROWS_AS(detail::validate_workflow_def(decode<WorkflowDef>(R"({"name":"","tasks":[]})"), kPath,
                                                {{}, Registry{}.lookup(), {}}),
                  ValidationError);
}

TEST_CASE("metadata validation: event handlers need a name, an event and actions", "[unit]") {
  std::vector<FieldViolation> v;
  detail::check_event_handler(EventHandler{}, "addEventHandler.eventHandler", v);
  REQUIRE(v.size() == 3);
  CHECK_VIOLATION(v, "addEventHandler.eventHandler.name", "Missing event handler name");
  CHECK_VIOLATION(v, "addEventHandler.eventHandler.event", "Missing event location");
  CHECK_VIOLATION(v, "addEventHandler.eventHandler.actions", "No actions specified. Please specify at-least one action");

  std::vector<FieldViolation> none;
  detail::check_event_handler(decode<EventHandler>(R"({"name":"h","event":"conductor:wf:t",
      "actions":[{"action":"complete_task"}]})"),
                              "addEventHandler.eventHandler", none);
  CHECK(none.empty());
}

TEST_CASE("metadata validation: throw_if_any carries the violations", "[unit]") {
  CHECK_NOTHROW(detail::throw_if_any({}));
  auto v = violations_of([] { detail::throw_if_any({{"p", "m", "x"}}); });
  REQUIRE(v.size() == 1);
  CHECK(v[0].path == "p");
  CHECK(v[0].invalid_value == "x");
}
