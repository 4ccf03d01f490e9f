#include "decider/java_text.hpp"
#include "decider/parameters.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

using namespace conductor;
using namespace conductor::detail;

namespace {

Json parse(std::string_view text) { return boost::json::parse(text); }
JsonObject object(std::string_view text) { return parse(text).as_object(); }

Task make_task(std::string ref, int iteration, std::string_view output) {
  Task task;
  task.task_id = "id-" + ref;
  task.reference_task_name = std::move(ref);
  task.task_type = "SIMPLE";
  task.task_def_name = "worker";
  task.status = TaskStatus::kCompleted;
  task.workflow_instance_id = "wf-1";
  task.iteration = iteration;
  task.retry_count = 1;
  task.poll_count = 2;
  task.scheduled_time = 100;
  task.start_time = 200;
  task.end_time = 300;
  task.callback_after_seconds = 5;
  task.worker_id = "worker-host";
  task.input_data = object(R"({"in": "put"})");
  task.output_data = object(output);
  return task;
}

Workflow make_workflow() {
  Workflow wf;
  wf.workflow_id = "wf-1";
  wf.status = WorkflowStatus::kRunning;
  wf.workflow_definition.edit().name = "order_flow";
  wf.workflow_definition.edit().version = 3;
  wf.correlation_id = "corr-9";
  wf.parent_workflow_id = "parent-1";
  wf.input = object(R"({
    "a": 1, "b": "text", "d": 5.0, "big": 1e10, "small": 0.0001, "flag": true, "nothing": null,
    "map": {"k": "v", "k2": 2}, "list": ["x", 1, 2.5, null, {"n": true}],
    "key": "b", "which": "key", "literal": "${workflow.input.a}", "escaped": "$${x}",
    "items": [{"n": 1}, {"n": 2}, {"n": 3}]
  })");
  wf.variables = object(R"({"counter": 4})");
  wf.tasks.push_back(make_task("t1", 0, R"({"result": "first", "list": [10, 20, 30]})"));
  wf.tasks.push_back(make_task("loop", 2, R"({"iteration": 2})"));
  wf.tasks.push_back(make_task("inner__1", 1, R"({"v": "one"})"));
  wf.tasks.push_back(make_task("inner__2", 2, R"({"v": "two"})"));
  return wf;
}

const Workflow& workflow() {
  static const Workflow wf = make_workflow();
  return wf;
}

/// Built on demand, as the decider's.
const ParameterContext& context() {
  static const ParameterContext ctx(workflow());
  return ctx;
}

const Json& document() {
  static const ParameterContext ctx(workflow());
  return ctx.document();
}

ResolveOptions with_task_id(std::string id = "task-42") {
  ResolveOptions options;
  options.task_id = std::move(id);
  return options;
}

Json resolve_one(std::string_view text, const ResolveOptions& options = with_task_id()) {
  return resolve_value(Json(text), context(), options);
}

}  // namespace

TEST_CASE("parameters: the context document has the workflow's addressable fields", "[unit]") {
  const auto& wf = document().at("workflow");
  CHECK(wf.at("workflowId") == "wf-1");
  CHECK(wf.at("status") == "RUNNING");
  CHECK(wf.at("workflowType") == "order_flow");
  CHECK(wf.at("version") == 3);
  CHECK(wf.at("schemaVersion") == 2);
  CHECK(wf.at("correlationId") == "corr-9");
  CHECK(wf.at("parentWorkflowId") == "parent-1");
  CHECK(wf.at("parentWorkflowTaskId").is_null());
  CHECK(wf.at("reasonForIncompletion").is_null());
  CHECK(wf.at("variables") == parse(R"({"counter": 4})"));
  CHECK(wf.at("output") == parse("{}"));
  CHECK(wf.at("input").at("a") == 1);
  CHECK_FALSE(wf.as_object().contains("createTime"));
}

TEST_CASE("parameters: the context has one entry per task with Conductor's field names", "[unit]") {
  const auto& t1 = document().at("t1");
  CHECK(t1.at("taskId") == "id-t1");
  CHECK(t1.at("referenceTaskName") == "t1");
  CHECK(t1.at("taskType") == "SIMPLE");
  CHECK(t1.at("taskDefName") == "worker");
  CHECK(t1.at("status") == "COMPLETED");
  CHECK(t1.at("retryCount") == 1);
  CHECK(t1.at("pollCount") == 2);
  CHECK(t1.at("scheduledTime") == 100);
  CHECK(t1.at("startTime") == 200);
  CHECK(t1.at("endTime") == 300);
  CHECK(t1.at("callbackAfterSeconds") == 5);
  CHECK(t1.at("workerId") == "worker-host");
  CHECK(t1.at("workflowInstanceId") == "wf-1");
  CHECK(t1.at("correlationId").is_null());
  CHECK(t1.at("reasonForIncompletion").is_null());
  CHECK(t1.at("iteration") == 0);
  CHECK(t1.at("input") == parse(R"({"in": "put"})"));
  CHECK(t1.at("output").at("result") == "first");
  CHECK_FALSE(t1.as_object().contains("domain"));
  CHECK(document().as_object().size() == 4);  // workflow, t1, loop, inner
}

TEST_CASE("parameters: loop iterations are addressed without their suffix, newest first", "[unit]") {
  CHECK_FALSE(document().as_object().contains("inner__1"));
  CHECK(resolve_one("${inner.output.v}") == "two");
  CHECK(resolve_one("${inner.referenceTaskName}") == "inner__2");
  // The DO_WHILE task's iteration field, not its output.
  CHECK(resolve_one("${loop['iteration']}") == 2);
  CHECK(resolve_one("${loop.output.iteration}") == 2);

  // Order in the task list decides, not the iteration number.
  Workflow wf = make_workflow();
  std::swap(wf.tasks[2], wf.tasks[3]);
  CHECK(resolve_value(Json("${inner.output.v}"), ParameterContext(wf), {}) == "one");

  // Only loop tasks (iteration > 0) lose a `__` suffix.
  wf.tasks.push_back(make_task("plain__x", 0, R"({"v": "plain"})"));
  const ParameterContext ctx(wf);
  CHECK(resolve_value(Json("${plain__x.output.v}"), ctx, {}) == "plain");
}

TEST_CASE("parameters: the document is built on demand and resolves as the whole one does", "[unit]") {
  Workflow wf = make_workflow();
  wf.tasks.push_back(make_task("workflow", 0, R"({"v": "a task named workflow"})"));

  // A path from a plain name builds that entry alone.
  const ParameterContext lazy(wf);
  CHECK(resolve_value(Json("${t1.output.result}"), lazy, {}) == "first");
  CHECK(lazy.document_for("t1.output").as_object().size() == 1);
  CHECK(resolve_value(Json("${inner.output.v} ${absent.output}"), lazy, {}) == "two null");
  CHECK(lazy.document_for("inner").as_object().size() == 2);

  // Whatever the path, the value is the whole document's.
  const ParameterContext whole(ParameterContext(wf).document());
  for (const char* expression :
       {"${workflow.output.v}", "${workflow.input.a}", "${t1.output.list[1]}", "${t1..result}",
        "${inner.referenceTaskName}", "${loop['iteration']}", "${['t1'].output.result}", "${$.t1.status}",
        "${$.*.status}", "${$..v}", "${t1.output.list[?(@ > $.workflow.input.a)]}", "${*.taskId}",
        "${t1.output.${workflow.input.which}}", "${ t1.status}", "${absent.output}", "${workflow}"}) {
    CAPTURE(expression);
    CHECK(resolve_value(Json(expression), ParameterContext(wf), {}) == resolve_value(Json(expression), whole, {}));
  }
  // A path that may read from the root or any entry gets the whole document.
  const ParameterContext rooted(wf);
  CHECK(rooted.document_for("$.t1").as_object().size() == 4);  // t1, loop, inner, workflow
  const ParameterContext filtered(wf);
  CHECK(filtered.document_for("t1.output.list[?(@ > $.workflow.input.a)]").as_object().size() == 4);
}

TEST_CASE("parameters: strip_iteration_suffix follows Java's split", "[unit]") {
  CHECK(strip_iteration_suffix("task__3") == "task");
  CHECK(strip_iteration_suffix("task") == "task");
  CHECK(strip_iteration_suffix("a__b__2") == "a");
  CHECK(strip_iteration_suffix("task_1") == "task_1");
  CHECK(strip_iteration_suffix("__3").empty());
  CHECK(strip_iteration_suffix("____") == "____");
}

TEST_CASE("parameters: a whole-string expression keeps the value's type", "[unit]") {
  CHECK(resolve_one("${workflow.input.a}") == 1);
  CHECK(resolve_one("${workflow.input.d}") == 5.0);
  CHECK(resolve_one("${workflow.input.d}").is_double());
  CHECK(resolve_one("${workflow.input.flag}") == true);
  CHECK(resolve_one("${workflow.input.map}") == parse(R"({"k": "v", "k2": 2})"));
  CHECK(resolve_one("${workflow.input.list}") == parse(R"(["x", 1, 2.5, null, {"n": true}])"));
  CHECK(resolve_one("${workflow.input.nothing}").is_null());
  CHECK(resolve_one("${workflow.input}") == document().at("workflow").at("input"));
  CHECK(resolve_one("${t1.output}") == parse(R"({"result": "first", "list": [10, 20, 30]})"));
  CHECK(resolve_one("${t1.input}") == parse(R"({"in": "put"})"));
  CHECK(resolve_one("${workflow.variables.counter}") == 4);
}

TEST_CASE("parameters: missing paths resolve to null", "[unit]") {
  CHECK(resolve_one("${workflow.input.missing}").is_null());
  CHECK(resolve_one("${nosuchtask.output.x}").is_null());
  CHECK(resolve_one("${t1.output.list[7]}").is_null());
  CHECK(resolve_one("${workflow.createTime}").is_null());
  CHECK(resolve_one("${t1.output.result.deeper}").is_null());
  CHECK(resolve_one("${workflow.input[}").is_null());  // invalid path
  CHECK(resolve_one("value: ${workflow.input.missing}") == "value: null");
}

TEST_CASE("parameters: embedded expressions use Java's text forms", "[unit]") {
  CHECK(resolve_one("a=${workflow.input.a}") == "a=1");
  CHECK(resolve_one("b=${workflow.input.b}") == "b=text");
  CHECK(resolve_one("d=${workflow.input.d}") == "d=5.0");
  CHECK(resolve_one("big=${workflow.input.big}") == "big=1.0E10");
  CHECK(resolve_one("small=${workflow.input.small}") == "small=1.0E-4");
  CHECK(resolve_one("flag=${workflow.input.flag}") == "flag=true");
  CHECK(resolve_one("nothing=${workflow.input.nothing}") == "nothing=null");
  CHECK(resolve_one("map=${workflow.input.map}") == "map={k=v, k2=2}");
  CHECK(resolve_one("list=${workflow.input.list}") == "list=[x, 1, 2.5, null, {n=true}]");
  CHECK(resolve_one("${workflow.input.a}-${workflow.input.b}") == "1-text");
  CHECK(resolve_one(" ${workflow.input.a}") == " 1");
  CHECK(resolve_one("${workflow.input.a}${workflow.input.a}") == "11");
}

TEST_CASE("parameters: Java double text", "[unit]") {
  CHECK(java_double_text(5.0) == "5.0");
  CHECK(java_double_text(-2.5) == "-2.5");
  CHECK(java_double_text(0.0) == "0.0");
  CHECK(java_double_text(-0.0) == "-0.0");
  CHECK(java_double_text(0.001) == "0.001");
  CHECK(java_double_text(0.0001) == "1.0E-4");
  CHECK(java_double_text(1234567.0) == "1234567.0");
  CHECK(java_double_text(9999999.0) == "9999999.0");
  CHECK(java_double_text(1e7) == "1.0E7");
  CHECK(java_double_text(1.5e10) == "1.5E10");
  CHECK(java_double_text(123.456) == "123.456");
  CHECK(java_double_text(1.0 / 3) == "0.3333333333333333");
  CHECK(java_double_text(1e-300) == "1.0E-300");
  CHECK(java_double_text(std::numeric_limits<double>::infinity()) == "Infinity");
  CHECK(java_double_text(-std::numeric_limits<double>::infinity()) == "-Infinity");
  CHECK(java_double_text(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(java_text(parse(R"({"a": {"b": [1, 2.0]}, "c": "d"})")) == "{a={b=[1, 2.0]}, c=d}");
  CHECK(java_text(parse("[]")) == "[]");
  CHECK(java_text(parse("{}")) == "{}");
}

TEST_CASE("parameters: nested expressions are resolved first and spliced as text", "[unit]") {
  CHECK(resolve_one("${workflow.input.${workflow.input.key}}") == "text");
  CHECK(resolve_one("${workflow.input.${workflow.input.${workflow.input.which}}}") == "text");
  CHECK(resolve_one("${t1.output.list[${workflow.input.a}]}") == 20);
  CHECK(resolve_one("x ${workflow.input.${workflow.input.key}} y") == "x text y");
  CHECK(resolve_one("${workflow.input.${workflow.input.missing}}").is_null());  // path workflow.input.null
}

TEST_CASE("parameters: expressions nested past the bound give null instead of exhausting the stack", "[unit]") {
  std::string deep;
  for (int i = 0; i < 200000; ++i) deep += "${";
  deep += "workflow.input.a";
  deep += std::string(200000, '}');
  // The innermost levels stay as written, which is no valid path: null, as for any invalid path.
  CHECK(resolve_one(deep).is_null());
  CHECK(resolve_one("x " + deep + " y") == "x null y");
}

TEST_CASE("parameters: $${ escapes an expression and is unescaped", "[unit]") {
  CHECK(resolve_one("$${workflow.input.a}") == "${workflow.input.a}");
  CHECK(resolve_one("keep $${x} but ${workflow.input.a}") == "keep ${x} but 1");
  CHECK(resolve_one("no expression $${x} here") == "no expression ${x} here");
  CHECK(resolve_one("$$${x}") == "$${x}");
  CHECK(resolve_one("plain $ and { }") == "plain $ and { }");
  // A whole-string value is returned raw: no unescaping of what the context holds.
  CHECK(resolve_one("${workflow.input.escaped}") == "$${x}");
  // Embedded, the whole text is unescaped, values included.
  CHECK(resolve_one("v=${workflow.input.escaped}") == "v=${x}");
}

TEST_CASE("parameters: values from the context are never rescanned", "[unit]") {
  CHECK(resolve_one("${workflow.input.literal}") == "${workflow.input.a}");
  CHECK(resolve_one("[${workflow.input.literal}]") == "[${workflow.input.a}]");
}

TEST_CASE("parameters: CPEWF_TASK_ID needs a task id, else stays literal", "[unit]") {
  CHECK(resolve_one("${CPEWF_TASK_ID}", with_task_id("t-7")) == "t-7");
  CHECK(resolve_one("id:${CPEWF_TASK_ID}", with_task_id("t-7")) == "id:t-7");
  const ResolveOptions no_task_id;
  CHECK(resolve_one("${CPEWF_TASK_ID}", no_task_id) == "${CPEWF_TASK_ID}");
  CHECK(resolve_one("id:${CPEWF_TASK_ID}:${workflow.input.a}", no_task_id) == "id:${CPEWF_TASK_ID}:1");
}

TEST_CASE("parameters: blank expressions become empty text", "[unit]") {
  CHECK(resolve_one("${}") == "");
  CHECK(resolve_one("${   }") == "");
  CHECK(resolve_one("a${}b") == "ab");
}

TEST_CASE("parameters: unbalanced braces are not expressions", "[unit]") {
  CHECK(resolve_one("${workflow.input.a") == "${workflow.input.a");
  CHECK(resolve_one("${a ${workflow.input.a}") == "${a 1");
  CHECK(resolve_one("${workflow.input.a}}") == "1}");
}

TEST_CASE("parameters: JSONPath filters, wildcards and functions inside expressions", "[unit]") {
  CHECK(resolve_one("${workflow.input.items[?(@.n > 1)].n}") == parse("[2, 3]"));
  CHECK(resolve_one("${workflow.input.items[*].n}") == parse("[1, 2, 3]"));
  CHECK(resolve_one("${workflow.input.items.length()}") == 3);
  CHECK(resolve_one("${t1.output.list.sum()}") == 60.0);
  CHECK(resolve_one("${t1.output.list[-1]}") == 30);
  CHECK(resolve_one("${t1.output.list[0:2]}") == parse("[10, 20]"));
  CHECK(resolve_one("${$.workflow.input.a}") == 1);
  CHECK(resolve_one("n=${workflow.input.items.length()}") == "n=3");
}

TEST_CASE("parameters: maps and lists are walked, keys and non-strings kept", "[unit]") {
  const auto input = object(R"({
    "${workflow.input.a}": "${workflow.input.b}",
    "nested": {"list": ["${workflow.input.a}", 7, null, ["${workflow.input.flag}"], {"x": "${workflow.input.d}"}]},
    "number": 1.5, "bool": false, "nil": null, "missing": "${workflow.input.missing}"
  })");
  const auto out = resolve(input, context(), with_task_id());
  CHECK(Json(out) == parse(R"({
    "${workflow.input.a}": "text",
    "nested": {"list": [1, 7, null, [true], {"x": 5.0}]},
    "number": 1.5, "bool": false, "nil": null, "missing": null
  })"));
  CHECK(out.contains("missing"));
  CHECK(resolve_value(Json(3), context(), {}) == 3);
}

TEST_CASE("parameters: system parameters come from the environment, then the properties", "[unit]") {
  ::setenv("CONDUCTOR_PARAMS_TEST_BOTH", "from-env", 1);
  ::setenv("CONDUCTOR_PARAMS_TEST_ENV_ONLY", "env-only", 1);
  const PropertyMap properties{{"CONDUCTOR_PARAMS_TEST_BOTH", "from-properties"},
                               {"STACK2", "stack-two"},
                               {"NETFLIX_ENV", "test"}};
  ResolveOptions options;
  options.environment = EnvironmentLookup(properties);
  CHECK(resolve_one("${CONDUCTOR_PARAMS_TEST_BOTH}", options) == "from-env");
  CHECK(resolve_one("${CONDUCTOR_PARAMS_TEST_ENV_ONLY}", options) == "env-only");
  CHECK(resolve_one("${STACK2}", options) == "stack-two");
  CHECK(resolve_one("env=${NETFLIX_ENV}", options) == "env=test");
  // NETFLIX_STACK is a system parameter with no value here: left as written.
  CHECK(resolve_one("${NETFLIX_STACK}", options) == "${NETFLIX_STACK}");
  CHECK(resolve_one("${STACK2}", ResolveOptions{}).is_null());  // not a property: a JSONPath, missing
  ::unsetenv("CONDUCTOR_PARAMS_TEST_BOTH");
  ::unsetenv("CONDUCTOR_PARAMS_TEST_ENV_ONLY");
}

TEST_CASE("parameters: workflow.env reads CONDUCTOR_ENV_ values, optionally as JSON", "[unit]") {
  const PropertyMap properties{{"CONDUCTOR_ENV_REGION", "us-east-1"},
                               {"CONDUCTOR_ENV_CONFIG", R"({"db": {"port": 5432}, "hosts": ["a", "b"]})"},
                               {"CONDUCTOR_ENV_BROKEN", "{not json"}};
  ResolveOptions options;
  options.environment = EnvironmentLookup(properties);
  CHECK(resolve_one("${workflow.env.REGION}", options) == "us-east-1");
  CHECK(resolve_one("region-${workflow.env.REGION}", options) == "region-us-east-1");
  CHECK(resolve_one("${workflow.env.CONFIG.db.port}", options) == 5432);
  CHECK(resolve_one("${workflow.env.CONFIG.hosts[1]}", options) == "b");
  CHECK(resolve_one("${workflow.env.CONFIG.db.missing}", options).is_null());
  CHECK(resolve_one("${workflow.env.BROKEN.x}", options).is_null());
  CHECK(resolve_one("${workflow.env.MISSING}", options).is_null());
  CHECK(resolve_one("x=${workflow.env.MISSING}", options) == "x=null");
}

TEST_CASE("parameters: secrets stay literal when resolving and are substituted at hand-off", "[unit]") {
  const PropertyMap properties{{"CONDUCTOR_SECRET_API_KEY", "s3cr3t"},
                               {"CONDUCTOR_SECRET_DB", R"({"user": "admin", "port": 5432})"}};
  ResolveOptions options;
  options.environment = EnvironmentLookup(properties);
  const auto input = object(R"({
    "key": "${workflow.secrets.API_KEY}",
    "header": "Bearer ${workflow.secrets.API_KEY}",
    "nested": ["${workflow.secrets.${workflow.input.b}}"],
    "port": "${workflow.secrets.DB.port}",
    "embedded": "u=${workflow.secrets.DB.user};p=${workflow.secrets.DB.port};m=${workflow.secrets.NOPE}.",
    "missing": "${workflow.secrets.NOPE}",
    "other": "${workflow.input.a}"
  })");
  const auto stored = resolve(input, context(), options);
  CHECK(stored.at("key") == "${workflow.secrets.API_KEY}");
  CHECK(stored.at("header") == "Bearer ${workflow.secrets.API_KEY}");
  CHECK(stored.at("nested") == parse(R"(["${workflow.secrets.${workflow.input.b}}"])"));
  CHECK(stored.at("other") == 1);

  const auto view = substitute_secrets(stored, options.environment);
  CHECK(view.at("key") == "s3cr3t");
  CHECK(view.at("header") == "Bearer s3cr3t");
  CHECK(view.at("port") == 5432);
  CHECK(view.at("embedded") == "u=admin;p=5432;m=.");
  CHECK(view.at("missing").is_null());
  CHECK(view.at("other") == 1);
  CHECK(stored.at("key") == "${workflow.secrets.API_KEY}");  // the stored input is untouched

  CHECK(substitute_secrets(object(R"({"s": "${workflow.secrets.}", "n": 3, "l": [{"k": "${workflow.secrets.API_KEY}"}]})"),
                           options.environment) == object(R"({"s": "${workflow.secrets.}", "n": 3, "l": [{"k": "s3cr3t"}]})"));
}

TEST_CASE("parameters: the TaskDef input template fills missing keys before resolution", "[unit]") {
  const auto params = object(R"({"given": "${workflow.input.a}", "explicitNull": null})");
  const auto input_template = object(R"({
    "given": "template-loses", "fromTemplate": "${workflow.input.b}", "explicitNull": "${workflow.input.d}",
    "withProperty": "${STACK2}"
  })");
  const PropertyMap properties{{"STACK2", "stack-two"}};
  ResolveOptions options = with_task_id();
  options.environment = EnvironmentLookup(properties);
  const auto out = resolve_task_input(params, input_template, context(), options);
  CHECK(out.at("given") == 1);
  CHECK(out.at("fromTemplate") == "text");
  CHECK(out.at("explicitNull") == 5.0);  // putIfAbsent also fills keys mapped to null
  CHECK(out.at("withProperty") == "stack-two");
}

TEST_CASE("parameters: null results fall back to the template's raw value", "[unit]") {
  const auto params = object(R"({"x": "${workflow.input.missing}", "y": "${workflow.input.missing}"})");
  const auto input_template = object(R"({"x": "${workflow.input.alsoMissing}", "z": {"deep": "${workflow.input.a}"}})");
  const auto out = resolve_task_input(params, input_template, context(), with_task_id());
  CHECK(out.at("x") == "${workflow.input.alsoMissing}");  // raw, unresolved
  CHECK(out.at("y").is_null());                           // no template entry: stays null
  CHECK(out.at("z") == parse(R"({"deep": 1})"));
  CHECK(resolve_task_input(params, {}, context(), {}) == object(R"({"x": null, "y": null})"));
}

TEST_CASE("parameters: add_missing_keys merges a workflow input template without resolving", "[unit]") {
  auto input = object(R"({"a": 1, "b": null})");
  add_missing_keys(input, object(R"({"a": 2, "b": 3, "c": "${workflow.input.a}"})"));
  CHECK(input == object(R"({"a": 1, "b": null, "c": "${workflow.input.a}"})"));
}
