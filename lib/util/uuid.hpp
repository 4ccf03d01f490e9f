#pragma once

#include <string>

namespace conductor::detail {

/// A random (version 4) UUID in lowercase hyphenated form, as Conductor's ids.
std::string new_uuid();

}  // namespace conductor::detail
