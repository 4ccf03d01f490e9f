#include "http/route_support.hpp"
#include "http/routes.hpp"

#include <conductor/codec.hpp>
#include <conductor/engine.hpp>
#include <conductor/error.hpp>

/// `/api/event`: event handlers (api.md 1.14), over MetadataService.
namespace conductor::http {
namespace {

// Conductor takes one handler; the JavaScript SDK's addEventHandler sends it as a one-element list.
EventHandler handler_of(const Request& request) {
  const Json body = request.json();
  if (!body.is_array()) return decode<EventHandler>(body);
  if (body.as_array().size() != 1)
    throw ValidationError("Expected one event handler, as an object or a list of one");
  return decode<EventHandler>(body.as_array().front());
}

Response add_handler(Engine& engine, const Request& request) {
  engine.metadata().add_event_handler(handler_of(request));
  return Response::empty();
}

Response update_handler(Engine& engine, const Request& request) {
  engine.metadata().update_event_handler(handler_of(request));
  return Response::empty();
}

Response list_handlers(Engine& engine, const Request&) {
  return Response::json(to_json_array(engine.metadata().list_event_handlers()));
}

Response handlers_for(Engine& engine, const Request& request) {
  return Response::json(to_json_array(
      engine.metadata().event_handlers_for(request.path_param("event"), request.query_bool("activeOnly", true))));
}

Response remove_handler(Engine& engine, const Request& request) {
  engine.metadata().remove_event_handler(request.path_param("name"));
  return Response::empty();
}

}  // namespace

void add_event_routes(Router& router, Engine& engine) {
  router.add(engine, {
      {Method::kPost, "/api/event", add_handler},
      {Method::kPut, "/api/event", update_handler},
      {Method::kGet, "/api/event", list_handlers},
      {Method::kGet, "/api/event/{event}", handlers_for},
      {Method::kDelete, "/api/event/{name}", remove_handler},
  });
}

}  // namespace conductor::http
