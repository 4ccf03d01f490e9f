#include "http/route_support.hpp"
#include "http/routes.hpp"

#include <conductor/codec.hpp>
#include <conductor/engine.hpp>

/// `/api/metadata`: task and workflow definitions (api.md 1.1, 1.2), over MetadataService.
namespace conductor::http {
namespace {

Response list_task_defs(Engine& engine, const Request&) {
  return Response::json(to_json_array(engine.metadata().list_task_defs()));
}

Response register_task_defs(Engine& engine, const Request& request) {
  engine.metadata().register_task_defs(decode_list<TaskDef>(request.json()));
  return Response::empty();
}

Response update_task_def(Engine& engine, const Request& request) {
  engine.metadata().update_task_def(body_as<TaskDef>(request));
  return Response::empty();
}

Response get_task_def(Engine& engine, const Request& request) {
  return Response::json(to_json(engine.metadata().get_task_def(request.path_param("tasktype"))));
}

Response remove_task_def(Engine& engine, const Request& request) {
  engine.metadata().remove_task_def(request.path_param("tasktype"));
  return Response::empty();
}

Response list_workflow_defs(Engine& engine, const Request& request) {
  const auto classifier = request.query("classifier");
  return Response::json(to_json_array(
      engine.metadata().list_workflow_defs(classifier ? std::optional<std::string_view>(*classifier) : std::nullopt)));
}

Response register_workflow_def(Engine& engine, const Request& request) {
  engine.metadata().register_workflow_def(body_as<WorkflowDef>(request), request.query_bool("overwrite", false));
  return Response::empty();
}

Response update_workflow_defs(Engine& engine, const Request& request) {
  return Response::json(to_json(engine.metadata().update_workflow_defs(decode_list<WorkflowDef>(request.json()))));
}

Response get_workflow_def(Engine& engine, const Request& request) {
  return Response::json(
      to_json(engine.metadata().get_workflow_def(request.path_param("name"), request.query_int("version"))));
}

Response remove_workflow_def(Engine& engine, const Request& request) {
  engine.metadata().remove_workflow_def(request.path_param("name"), path_int(request, "version"));
  return Response::empty();
}

Response validate_workflow_def(Engine& engine, const Request& request) {
  engine.metadata().validate_workflow_def(body_as<WorkflowDef>(request));
  return Response::empty();
}

Response names_and_versions(Engine& engine, const Request&) {
  JsonObject answer;
  for (const auto& [name, versions] : engine.metadata().names_and_versions()) answer[name] = to_json_array(versions);
  return Response::json(answer);
}

Response workflow_names(Engine& engine, const Request&) {
  JsonArray names;
  for (auto& name : engine.metadata().workflow_names()) names.emplace_back(name);
  return Response::json(names);
}

Response workflow_versions(Engine& engine, const Request& request) {
  return Response::json(to_json_array(engine.metadata().workflow_versions(request.path_param("name"))));
}

Response latest_workflow_defs(Engine& engine, const Request&) {
  return Response::json(to_json_array(engine.metadata().latest_workflow_defs()));
}

}  // namespace

void add_metadata_routes(Router& router, Engine& engine) {
  router.add(engine, {
      {Method::kGet, "/api/metadata/taskdefs", list_task_defs},
      {Method::kPost, "/api/metadata/taskdefs", register_task_defs},
      {Method::kPut, "/api/metadata/taskdefs", update_task_def},
      {Method::kGet, "/api/metadata/taskdefs/{tasktype}", get_task_def},
      {Method::kDelete, "/api/metadata/taskdefs/{tasktype}", remove_task_def},
      {Method::kGet, "/api/metadata/workflow", list_workflow_defs},
      {Method::kPost, "/api/metadata/workflow", register_workflow_def},
      {Method::kPut, "/api/metadata/workflow", update_workflow_defs},
      {Method::kPost, "/api/metadata/workflow/validate", validate_workflow_def},
      {Method::kGet, "/api/metadata/workflow/names-and-versions", names_and_versions},
      {Method::kGet, "/api/metadata/workflow/names", workflow_names},
      {Method::kGet, "/api/metadata/workflow/latest-versions", latest_workflow_defs},
      {Method::kGet, "/api/metadata/workflow/{name}", get_workflow_def},
      {Method::kGet, "/api/metadata/workflow/{name}/versions", workflow_versions},
      {Method::kDelete, "/api/metadata/workflow/{name}/{version}", remove_workflow_def},
  });
}

}  // namespace conductor::http
