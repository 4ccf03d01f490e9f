#pragma once

#include <conductor/error.hpp>

namespace conductor::detail {

/// A write transaction lost to a concurrent one (a version moved, a serialization failure, a
/// deadlock): nothing was written, and computing the change again from fresh state may succeed.
class TransientConflict : public UnavailableError {
 public:
  using UnavailableError::UnavailableError;
};

}  // namespace conductor::detail
