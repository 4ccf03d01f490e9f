#pragma once

#include <string>
#include <string_view>

namespace conductor::detail {

/// A random (version 4) UUID in lowercase hyphenated form, as Conductor's ids.
std::string new_uuid();

/// The name-based (version 3, MD5) UUID of `name` with no namespace, as Java's
/// `UUID.nameUUIDFromBytes`: the same name always gives the same id.
std::string name_uuid(std::string_view name);

}  // namespace conductor::detail
