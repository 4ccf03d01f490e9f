#include "http/framing.hpp"

#include "http/error_mapping.hpp"

#include <boost/beast/core/string.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace conductor::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

std::optional<Response> framing_error(const bhttp::request_header<>& request) {
  std::size_t transfer_encodings = 0;
  std::size_t content_lengths = 0;
  std::vector<std::string_view> codings;
  for (const auto& field : request) {
    if (field.name() == bhttp::field::content_length) {
      ++content_lengths;
      if (field.value().find(',') != std::string_view::npos) ++content_lengths;
    } else if (field.name() == bhttp::field::transfer_encoding) {
      ++transfer_encodings;
      std::string_view rest = field.value();
      while (true) {
        const std::size_t comma = rest.find(',');
        std::string_view coding = rest.substr(0, comma);
        coding = coding.substr(0, coding.find(';'));
        while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t')) coding.remove_prefix(1);
        while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t')) coding.remove_suffix(1);
        codings.push_back(coding);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
  }
  if (content_lengths > 1) return error_response(400, "Bad request framing: Content-Length is repeated");
  if (transfer_encodings == 0) return std::nullopt;
  if (content_lengths > 0) {
    return error_response(400, "Bad request framing: both Content-Length and Transfer-Encoding are present");
  }
  if (request.version() < 11) {
    return error_response(400, "Bad request framing: Transfer-Encoding in an HTTP/1.0 request");
  }
  for (std::string_view coding : codings) {
    if (coding.empty()) return error_response(400, "Bad request framing: empty transfer coding");
    if (!beast::iequals(coding, "chunked")) {
      return error_response(501, "Transfer coding '" + std::string(coding) + "' is not supported; only chunked is");
    }
  }
  if (codings.size() > 1) return error_response(400, "Bad request framing: chunked is applied more than once");
  return std::nullopt;
}

}  // namespace conductor::http
