// Parameter expressions and JSONPath: resolution and evaluation never throw, whatever the
// expression and whatever the document. The input's first line is the expression or path, the
// rest the context document (a fixed workflow-shaped one when it is not JSON). Over a workflow, the
// document built on demand resolves every expression as the whole document does.
#include "decider/jsonpath.hpp"
#include "decider/parameters.hpp"
#include "fuzz_support.hpp"

#include <conductor/codec.hpp>

#include <string>

namespace {

conductor::Json default_context() {
  return conductor::parse_json_text(R"({
    "workflow": {"workflowId": "w1", "input": {"a": 1, "b": [1, 2, {"c": "x"}], "s": "text"},
                 "output": {}, "variables": {"v": null}, "status": "RUNNING"},
    "task_ref": {"input": {"n": 1.5, "list": ["a", "b"]}, "output": {"result": {"k": [true, false]}},
                 "status": "COMPLETED"}
  })");
}

conductor::Workflow sample_workflow() {
  conductor::Workflow wf;
  wf.workflow_id = "w1";
  wf.input = {{"a", 1}, {"b", {1, 2, {{"c", "x"}}}}, {"s", "text"}};
  for (const char* ref : {"task_ref", "loop__1", "loop__2", "workflow__1"}) {
    conductor::Task task;
    task.reference_task_name = ref;
    task.iteration = std::string_view(ref).find("__") == std::string_view::npos ? 0 : 1;
    task.output_data = {{"result", {{"k", {true, false}}}}, {"ref", ref}};
    wf.tasks.push_back(std::move(task));
  }
  return wf;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace conductor;
  const std::string_view text = fuzz::as_text(data, size);
  const std::size_t newline = text.find('\n');
  const std::string_view expression = text.substr(0, newline);
  static const Json fallback = default_context();
  Json context = fallback;
  if (newline != std::string_view::npos) {
    fuzz::accepts([&] { context = parse_json_text(text.substr(newline + 1)); });
  }
  static const detail::PropertyMap properties{{"NAME", "value"}};
  const detail::ResolveOptions options{.task_id = "task-1", .environment = detail::EnvironmentLookup(properties)};

  const detail::ParameterContext given(context);
  detail::resolve_value(Json(expression), given, options);
  detail::resolve_value(Json{{"key", expression}, {"list", {expression, 1}}}, given, options);

  static const Workflow workflow = sample_workflow();
  const detail::ParameterContext on_demand(workflow);
  const detail::ParameterContext whole(detail::ParameterContext(workflow).document());
  const Json input{{"key", expression}, {"other", "${task_ref.output.ref}"}};
  if (detail::resolve_value(input, on_demand, options) != detail::resolve_value(input, whole, options)) {
    fuzz::fail("the document built on demand resolved differently from the whole one");
  }
  const detail::JsonPath path(expression);
  const Json result = path.evaluate(context);
  if (path.valid() && !path.definite() && !result.is_array()) fuzz::fail("an indefinite path gave a non-array");
  detail::evaluate_json_path(expression, context);
  if (context.is_object()) {
    detail::substitute_secrets(context.as_object(), options.environment);
  }
  return 0;
}
