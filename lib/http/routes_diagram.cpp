#include "http/routes.hpp"

#include <conductor/diagram.hpp>
#include <conductor/engine.hpp>
#include <conductor/error.hpp>

#include <string>
#include <utility>

namespace conductor::http {
namespace {

/// `{name}.svg` or `{name}.dot`: the name and the format the file's extension asks for.
std::pair<std::string, diagram::Format> file_of(const Request& request) {
  const std::string& file = request.path_param("file");
  for (const auto& [extension, format] : {std::pair{".svg", diagram::Format::kSvg}, std::pair{".dot", diagram::Format::kDot}}) {
    const std::string_view suffix = extension;
    if (file.size() > suffix.size() && file.ends_with(suffix)) return {file.substr(0, file.size() - suffix.size()), format};
  }
  throw ValidationError("a diagram is named <name>.svg or <name>.dot: " + file);
}

Response diagram_response(std::string body, diagram::Format format) {
  Response response = Response::text(std::move(body));
  response.content_type = format == diagram::Format::kSvg ? "image/svg+xml" : "text/vnd.graphviz; charset=utf-8";
  return response;
}

Response run_diagram(Engine& engine, const Request& request) {
  const auto [workflow_id, format] = file_of(request);
  return diagram_response(diagram::of_run(engine.executor().get_workflow(workflow_id, true), format), format);
}

Response definition_diagram(Engine& engine, const Request& request) {
  const auto [name, format] = file_of(request);
  return diagram_response(diagram::of_definition(engine.metadata().get_workflow_def(name, request.query_int("version")), format),
                          format);
}

}  // namespace

void add_diagram_routes(Router& router, Engine& engine) {
  router.add(engine, {
                         {Method::kGet, "/diagram/run/{file}", run_diagram},
                         {Method::kGet, "/diagram/definition/{file}", definition_diagram},
                     });
}

}  // namespace conductor::http
