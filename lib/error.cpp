#include <conductor/error.hpp>

#include <utility>

namespace conductor {
namespace {

std::string join_violations(const std::vector<FieldViolation>& violations) {
  std::string message;
  for (const auto& v : violations) {
    if (!message.empty()) message += ", ";
    if (!v.path.empty()) {
      message += v.path;
      message += ": ";
    }
    message += v.message;
  }
  return message;
}

}  // namespace

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kValidation:
      return "VALIDATION";
    case ErrorCode::kNotFound:
      return "NOT_FOUND";
    case ErrorCode::kConflict:
      return "CONFLICT";
    case ErrorCode::kUnavailable:
      return "UNAVAILABLE";
    case ErrorCode::kStorage:
      return "STORAGE";
    case ErrorCode::kInternal:
      return "INTERNAL";
  }
  return "INTERNAL";
}

ValidationError::ValidationError(std::vector<FieldViolation> violations)
    : Error(ErrorCode::kValidation, join_violations(violations)), violations_(std::move(violations)) {}

}  // namespace conductor
