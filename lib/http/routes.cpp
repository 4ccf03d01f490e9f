#include "http/routes.hpp"

namespace conductor::http {

Router make_router(Engine& engine) {
  Router router;
  add_metadata_routes(router, engine);
  add_workflow_routes(router, engine);
  add_bulk_routes(router, engine);
  add_task_routes(router, engine);
  add_execution_routes(router, engine);
  add_admin_routes(router, engine);
  add_queue_routes(router, engine);
  add_payload_routes(router, engine);
  add_unsupported_routes(router);
  add_event_routes(router, engine);
  add_version_route(router);
#ifdef CONDUCTOR_WITH_DIAGRAMS
  add_diagram_routes(router, engine);
#endif
  return router;
}

}  // namespace conductor::http
