#pragma once

#include <span>
#include <string_view>

namespace conductor::http {

/// One file of the built-in web page (lib/http/web), compiled into the binary.
struct WebAsset {
  std::string_view path;  ///< `/ui/<file>`
  std::string_view content_type;
  std::string_view body;
};

/// Every file of the web page; generated at build time by cmake/embed_files.cmake.
std::span<const WebAsset> web_assets();

}  // namespace conductor::http
