#include "http/error_mapping.hpp"

#include <conductor/error.hpp>

#include <boost/asio/ip/host_name.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <string>
#include <string_view>

namespace conductor::http {
namespace {

struct StatusEntry {
  ErrorCode code;
  int status;
  bool retryable;  ///< Conductor sets it only for transient failures
};

constexpr std::array<StatusEntry, 6> kStatusTable{{
    {ErrorCode::kValidation, 400, false},
    {ErrorCode::kNotFound, 404, false},
    {ErrorCode::kConflict, 409, false},
    {ErrorCode::kUnavailable, 503, true},
    {ErrorCode::kStorage, 500, false},
    {ErrorCode::kInternal, 500, false},
}};

constexpr StatusEntry kFallback{ErrorCode::kInternal, 500, false};

const StatusEntry& entry_for(ErrorCode code) {
  for (const auto& entry : kStatusTable) {
    if (entry.code == code) return entry;
  }
  return kFallback;
}

/// Conductor reports the serving host in every general error; resolved once.
const std::string& instance_name() {
  static const std::string name = [] {
    boost::system::error_code ec;
    std::string host = boost::asio::ip::host_name(ec);
    return ec ? std::string("localhost") : host;
  }();
  return name;
}

/// Messages quote ids and names from requests, which may hold any bytes; JSON text must be UTF-8.
/// Each byte that does not start a well-formed sequence (RFC 3629: no overlongs, no surrogates,
/// nothing past U+10FFFF) becomes U+FFFD. Control characters, NUL included, are left to the
/// serializer, which escapes them.
std::string valid_utf8(std::string_view text) {
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;  // the range of the second byte; later ones are always 80..BF
    if (lead < 0x80) {
      length = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    }
    bool well_formed = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; well_formed && k < length; ++k) {
      const unsigned char next = byte(i + k);
      well_formed = k == 1 ? next >= low && next <= high : next >= 0x80 && next <= 0xBF;
    }
    if (well_formed) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out.append(kReplacement);
      ++i;
    }
  }
  return out;
}

JsonObject base_body(int status, std::string_view message, bool retryable) {
  JsonObject body;
  body["status"] = status;
  body["message"] = valid_utf8(message);
  body["instance"] = instance_name();
  body["retryable"] = retryable;
  return body;
}

Response validation_response(const ValidationError& error) {
  JsonArray violations;
  for (const auto& violation : error.violations()) {
    JsonObject item;
    item["path"] = valid_utf8(violation.path);
    item["message"] = valid_utf8(violation.message);
    if (!violation.invalid_value.empty()) item["invalidValue"] = valid_utf8(violation.invalid_value);
    violations.push_back(std::move(item));
  }
  JsonObject body;
  body["status"] = 400;
  body["message"] = valid_utf8(error.message());
  body["retryable"] = false;
  body["validationErrors"] = std::move(violations);
  return Response::json(body, 400);
}

}  // namespace

int status_for(ErrorCode code) { return entry_for(code).status; }

Response error_response(int status, std::string_view message) {
  return Response::json(base_body(status, message, false), status);
}

Response error_response(const Error& error) {
  // Before the ValidationError shape: a request past a size bound is refused as too large.
  if (dynamic_cast<const TooLargeError*>(&error) != nullptr) return error_response(413, error.message());
  if (const auto* validation = dynamic_cast<const ValidationError*>(&error);
      validation != nullptr && !validation->violations().empty()) {
    return validation_response(*validation);
  }
  const StatusEntry& entry = entry_for(error.code());
  return Response::json(base_body(entry.status, error.message(), entry.retryable), entry.status);
}

Response current_exception_response() noexcept {
  try {
    throw;
  } catch (const Error& error) {
    return error_response(error);
  } catch (const std::exception& error) {
    return error_response(500, error.what());
  } catch (...) {
    return error_response(500, "unknown error");
  }
}

}  // namespace conductor::http
