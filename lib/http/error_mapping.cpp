#include "http/error_mapping.hpp"

#include "util/utf8.hpp"

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

using detail::valid_utf8;

/// Messages quote strings from requests and from the host, which need not be UTF-8.
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
