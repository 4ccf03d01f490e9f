// Parameter expressions and JSONPath: resolution and evaluation never throw, whatever the
// expression and whatever the document. The input's first line is the expression or path, the
// rest the context document (a fixed workflow-shaped one when it is not JSON).
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

  detail::resolve_value(Json(expression), context, options);
  detail::resolve_value(Json{{"key", expression}, {"list", {expression, 1}}}, context, options);
  const detail::JsonPath path(expression);
  const Json result = path.evaluate(context);
  if (path.valid() && !path.definite() && !result.is_array()) fuzz::fail("an indefinite path gave a non-array");
  detail::evaluate_json_path(expression, context);
  if (context.is_object()) {
    detail::substitute_secrets(context.as_object(), options.environment);
  }
  return 0;
}
