#include "http/auth.hpp"

#include <algorithm>
#include <cstddef>

namespace conductor::http {

bool tokens_equal(std::string_view given, std::string_view expected) {
  if (expected.empty()) return false;
  unsigned char difference = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i) {
    difference |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
  }
  return difference == 0;
}

bool authorized(const Request& request, std::string_view token) {
  const std::string& path = request.path();
  if (path == kTokenPath || path == "/" || path.starts_with(kWebPagePrefix) ||
      std::find(kHealthPaths.begin(), kHealthPaths.end(), path) != kHealthPaths.end()) {
    return true;
  }
  if (const auto raw = request.header("X-Authorization")) return tokens_equal(*raw, token);
  if (const auto header = request.header("Authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    return header->starts_with(kBearer) && tokens_equal(header->substr(kBearer.size()), token);
  }
  return false;
}

}  // namespace conductor::http
