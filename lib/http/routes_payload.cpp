#include "http/error_mapping.hpp"
#include "http/route_support.hpp"
#include "http/routes.hpp"

#include <conductor/engine.hpp>
#include <conductor/error.hpp>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>

/// External payload locations (api.md 1.7, 1.13) over the engine's PayloadStorage, and the
/// transfer route their `uri` points at, where Conductor points at S3 or another store of its own.
/// Without a payload storage these answer 501: nothing could be stored or read.
namespace conductor::http {
namespace {

constexpr std::string_view kTransferPrefix = "/api/external/payload/";

Response not_configured() {
  return error_response(501, "External payload storage is not configured on this server");
}

/// `?operation=READ|WRITE&payloadType=...&path=...` -> {"uri", "path"}. A WRITE gets a fresh path
/// (the requested one is only a hint, as with Conductor's stores); a READ names a stored payload.
Response location(Engine& engine, const Request& request) {
  PayloadStorage* storage = engine.payload_storage();
  if (storage == nullptr) return not_configured();
  std::string operation = request.required_query("operation");
  std::transform(operation.begin(), operation.end(), operation.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const std::string type_text = request.required_query("payloadType");
  const auto type = parse_payload_type(type_text);
  if ((operation != "READ" && operation != "WRITE") || !type)
    throw ValidationError(fmt::format("Invalid input - Operation: {}, PayloadType: {}", operation, type_text));
  std::string path = request.query("path", "");
  if (operation == "WRITE") {
    path = new_payload_path(*type);
  } else if (!storage->exists(path)) {
    throw NotFoundError(fmt::format("No payload stored at path: {}", path));
  }
  JsonObject answer;
  if (const auto host = request.header("Host"))
    answer["uri"] = fmt::format("http://{}{}{}", *host, kTransferPrefix, path);
  answer["path"] = path;
  return Response::json(answer);
}

Response download(Engine& engine, const Request& request) {
  PayloadStorage* storage = engine.payload_storage();
  if (storage == nullptr) return not_configured();
  return Response::json(boost::json::parse(storage->read(request.path_param("path"))));
}

/// Only paths handed out for a WRITE are accepted, so a client never overwrites what the engine stored.
Response upload(Engine& engine, const Request& request) {
  PayloadStorage* storage = engine.payload_storage();
  if (storage == nullptr) return not_configured();
  const std::string& path = request.path_param("path");
  const auto type = client_payload_type(path);
  if (!type) throw ValidationError(fmt::format("Not a path for an upload: {}", path));
  const Json payload = request.json();
  if (!payload.is_object()) throw ValidationError("A payload must be a JSON object");
  const std::int64_t max_bytes = engine.payload_limits().max_kb(*type) * 1024;
  if (static_cast<std::int64_t>(request.body().size()) > max_bytes)
    return error_response(413, fmt::format("The payload size: {} is greater than the permissible limit: {} bytes",
                                           request.body().size(), max_bytes));
  storage->write(path, request.body());
  return Response::empty();
}

}  // namespace

void add_payload_routes(Router& router, Engine& engine) {
  router.add(engine, {
      {Method::kGet, "/api/workflow/externalstoragelocation", location},
      {Method::kGet, "/api/workflow/external-storage-location", location},
      {Method::kGet, "/api/tasks/externalstoragelocation", location},
      {Method::kGet, "/api/tasks/external-storage-location", location},
      {Method::kGet, "/api/external/payload/{path}", download},
      {Method::kPut, "/api/external/payload/{path}", upload},
  });
}

}  // namespace conductor::http
