#pragma once

#include "http/message.hpp"

#include <conductor/error.hpp>

#include <exception>
#include <string_view>

/// The one place where errors become HTTP answers (Conductor's ApplicationExceptionMapper):
/// ErrorCode -> status, and Conductor's ErrorResponse JSON body.
namespace conductor::http {

/// validation 400, not found 404, conflict 409, unavailable 503, anything else 500.
int status_for(ErrorCode code);

/// An ErrorResponse {"status","message","instance","retryable"} for a failure the adapter itself
/// detects (unknown path 404, wrong method 405, body too large 413, missing token 401, ...).
Response error_response(int status, std::string_view message);

/// The answer for a library exception. A TooLargeError is a 413; another ValidationError with
/// violations gets Conductor's 400 shape: "validationErrors" [{"path","message","invalidValue"}] and
/// no "instance".
Response error_response(const Error& error);

/// The answer for the exception being handled: call only inside a catch block. Typed library
/// exceptions map through the table; anything else is a 500 carrying what() as the message.
Response current_exception_response() noexcept;

}  // namespace conductor::http
