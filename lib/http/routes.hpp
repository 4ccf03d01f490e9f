#pragma once

#include "http/router.hpp"

#include <functional>
#include <string>

namespace conductor {
class Engine;
}

/// The adapter's route families, one routes_<resource>.cpp each. A family is a table of
/// (method, pattern, handler) rows added with Router::add; each handler is a plain function that
/// parses the request, makes one library call and encodes its result with the codecs. The engine
/// must outlive the router.
namespace conductor::http {

/// Every route Conductor's REST API maps onto the engine's services: the families below and
/// `/api/event...`: event handlers (api.md 1.14).
void add_event_routes(Router& router, Engine& engine);
/// `GET /api/version`. The one place where the resources are put together.
Router make_router(Engine& engine);

/// `/api/metadata/taskdefs...` and `/api/metadata/workflow...` (api.md 1.1, 1.2).
void add_metadata_routes(Router& router, Engine& engine);
/// `/api/workflow...`: start, read, operate, search (api.md 1.3-1.6).
void add_workflow_routes(Router& router, Engine& engine);
/// `/api/workflow/bulk/...`: operations over lists of workflow ids (api.md 1.8).
void add_bulk_routes(Router& router, Engine& engine);
/// `/api/tasks...`: poll, update, logs, queues, poll data, search (api.md 1.9, 1.11-1.13).
void add_task_routes(Router& router, Engine& engine);

/// The calls that answer once a run has ended or blocked: `POST /api/workflow/execute/{name}/{version}`,
/// the signals `POST /api/tasks/{workflowId}/{status}/signal[/sync]`, and `POST /api/workflow/test`
/// (api.md 1.3, 1.7, 1.10).
void add_execution_routes(Router& router, Engine& engine);
/// `/api/admin/...`, `/api/environment...` and `/api/secrets` (api.md 1.16, 1.17).
void add_admin_routes(Router& router, Engine& engine);
/// `/api/queue/update/...`: task updates from outside (api.md 1.15).
void add_queue_routes(Router& router, Engine& engine);
/// `externalstoragelocation` for workflows and tasks, and `/api/external/payload/{path}` where
/// clients move payloads in and out of the engine's PayloadStorage (api.md 1.7, 1.13).
void add_payload_routes(Router& router, Engine& engine);
/// Conductor routes this server answers 501 on purpose, each with the reason in the error body
/// (docs/rest.md lists them).
void add_unsupported_routes(Router& router);
/// `GET /diagram/run/{workflowId}.svg|.dot` and `GET /diagram/definition/{name}.svg|.dot?version=N`:
/// diagrams of a run and of a definition (built with CONDUCTOR_WITH_DIAGRAMS).
void add_diagram_routes(Router& router, Engine& engine);

/// `GET /api/version`: the library version as text (api.md 1.17).
void add_version_route(Router& router);

/// Health checks: `GET /health` and `GET /api/health`, always healthy (api.md 1.17).
void add_health_routes(Router& router);

/// `GET /metrics`: the text `metrics` returns, as Prometheus' text format.
void add_metrics_route(Router& router, std::function<std::string()> metrics);

/// The built-in web page: `GET /` and its files under `/ui/`, open without a token (they hold no data;
/// the page asks for the token and sends it with its API calls).
void add_web_page_routes(Router& router);

/// `POST /api/token`: the SDKs' login, {"keyId","keySecret"} -> {"token"}. The secret must equal
/// `token`. Added only when auth is configured: without it the path is a 404, which SDKs read as
/// "this server has no auth".
void add_token_route(Router& router, std::string token);

}  // namespace conductor::http
