#include "http/error_mapping.hpp"
#include "http/routes.hpp"

#include <array>
#include <string>

/// Routes of Conductor's controllers that this server does not serve, answered 501 with a JSON
/// error naming the reason, so that a client tells "not offered here" from a mistyped path (404).
namespace conductor::http {
namespace {

struct Unsupported {
  Method method;
  std::string_view pattern;
  std::string_view reason;
};

constexpr std::string_view kNoStatusQueues =
    "Task updates through /api/queue/update are applied at once; there are no status queues to list";
constexpr std::string_view kNoEventQueues = "This server has no event queue manager to list queues of";
constexpr std::string_view kNoMessageQueue =
    "The workflow message queue is not offered (it is off by default in Conductor too)";
constexpr std::string_view kNoFileStorage =
    "File storage is not offered (it is off by default in Conductor too); use external payload storage "
    "for large inputs and outputs";

constexpr std::array kRoutes{
    Unsupported{Method::kGet, "/api/queue/size", kNoStatusQueues},
    Unsupported{Method::kGet, "/api/queue/", kNoStatusQueues},
    Unsupported{Method::kGet, "/api/admin/queues", kNoEventQueues},
    Unsupported{Method::kPost, "/api/workflow/{workflowId}/messages", kNoMessageQueue},
    Unsupported{Method::kPost, "/api/files", kNoFileStorage},
    Unsupported{Method::kGet, "/api/files/{workflowId}/{fileId}", kNoFileStorage},
    Unsupported{Method::kGet, "/api/files/{workflowId}/{fileId}/upload-url", kNoFileStorage},
    Unsupported{Method::kGet, "/api/files/{workflowId}/{fileId}/download-url", kNoFileStorage},
    Unsupported{Method::kPost, "/api/files/{workflowId}/{fileId}/upload-complete", kNoFileStorage},
    Unsupported{Method::kPut, "/api/files/content/{workflowId}/{fileId}", kNoFileStorage},
    Unsupported{Method::kGet, "/api/files/content/{workflowId}/{fileId}", kNoFileStorage},
    Unsupported{Method::kPost, "/api/files/{workflowId}/{fileId}/multipart", kNoFileStorage},
    Unsupported{Method::kGet, "/api/files/{workflowId}/{fileId}/multipart/{uploadId}/part/{partNumber}",
                kNoFileStorage},
    Unsupported{Method::kPost, "/api/files/{workflowId}/{fileId}/multipart/{uploadId}/complete", kNoFileStorage},
    Unsupported{Method::kDelete, "/api/files/{workflowId}/{fileId}/multipart/{uploadId}", kNoFileStorage},
};

}  // namespace

void add_unsupported_routes(Router& router) {
  for (const auto& route : kRoutes) {
    router.add(route.method, route.pattern,
               [reason = route.reason](const Request&) { return error_response(501, reason); });
  }
}

}  // namespace conductor::http
