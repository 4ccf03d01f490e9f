#include "http/routes.hpp"
#include "http/web_assets.hpp"

#include <string>

namespace conductor::http {
namespace {

Response asset_response(const WebAsset& asset) {
  Response response = Response::text(std::string(asset.body));
  response.content_type = std::string(asset.content_type);
  return response;
}

}  // namespace

void add_web_page_routes(Router& router) {
  for (const WebAsset& asset : web_assets()) {
    router.add(Method::kGet, asset.path, [&asset](const Request&) { return asset_response(asset); });
    if (asset.path == "/ui/index.html") {
      router.add(Method::kGet, "/", [&asset](const Request&) { return asset_response(asset); });
    }
  }
}

}  // namespace conductor::http
