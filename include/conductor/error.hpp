#pragma once

#include <conductor/export.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace conductor {

/// The error vocabulary shared by every public call and by the HTTP adapter's status table.
enum class ErrorCode {
  kValidation,   ///< the caller's input is wrong (HTTP 400)
  kNotFound,     ///< an id or name does not exist (HTTP 404)
  kConflict,     ///< the request clashes with current state (HTTP 409)
  kUnavailable,  ///< transient: retrying the same call may succeed (busy database, lost connection)
  kStorage,      ///< the storage failed in a way a retry will not fix
  kInternal,     ///< a bug or an unexpected condition
};

CONDUCTOR_EXPORT std::string_view to_string(ErrorCode code);

/// Base of every exception the library throws on purpose.
class CONDUCTOR_EXPORT Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code), message_(message) {}
  ErrorCode code() const noexcept { return code_; }
  /// The whole message. what() ends at the first NUL byte, which a message quoting an id or name
  /// from a request may hold.
  const std::string& message() const noexcept { return message_; }

 private:
  ErrorCode code_;
  std::string message_;
};

/// One failed constraint: `path` names the offending field (Conductor's violation path).
struct FieldViolation {
  std::string path;
  std::string message;
  std::string invalid_value;  ///< empty when there is nothing useful to echo
};

/// Invalid input; carries every violation found, not just the first.
class CONDUCTOR_EXPORT ValidationError : public Error {
 public:
  explicit ValidationError(const std::string& message) : Error(ErrorCode::kValidation, message) {}
  ValidationError(const std::string& message, std::vector<FieldViolation> violations)
      : Error(ErrorCode::kValidation, message), violations_(std::move(violations)) {}
  /// Builds the message from the violations ("path: message, ...").
  explicit ValidationError(std::vector<FieldViolation> violations);
  const std::vector<FieldViolation>& violations() const noexcept { return violations_; }

 private:
  std::vector<FieldViolation> violations_;
};

/// A request larger than a size bound (Limits, PayloadLimits): nothing was stored. A ValidationError,
/// so that callers catching those see it too; over HTTP it is answered 413.
class CONDUCTOR_EXPORT TooLargeError : public ValidationError {
 public:
  explicit TooLargeError(const std::string& message) : ValidationError(message) {}
};

class CONDUCTOR_EXPORT NotFoundError : public Error {
 public:
  explicit NotFoundError(const std::string& message) : Error(ErrorCode::kNotFound, message) {}
};

class CONDUCTOR_EXPORT ConflictError : public Error {
 public:
  explicit ConflictError(const std::string& message) : Error(ErrorCode::kConflict, message) {}
};

/// Retryable failure: the state is unchanged and the same call may succeed later.
class CONDUCTOR_EXPORT UnavailableError : public Error {
 public:
  explicit UnavailableError(const std::string& message) : Error(ErrorCode::kUnavailable, message) {}
};

/// Non-retryable storage failure (corrupt file, full disk, schema mismatch).
class CONDUCTOR_EXPORT StorageError : public Error {
 public:
  explicit StorageError(const std::string& message) : Error(ErrorCode::kStorage, message) {}
};

}  // namespace conductor
