#pragma once

#include <conductor/model/json.hpp>

#include <string>
#include <string_view>

namespace conductor::detail {

/// An input value read as text the way Conductor's tasks read it (Java's `String.valueOf`): a string
/// as is, "" when absent or null, the JSON text of anything else.
std::string input_text(const JsonObject& input, std::string_view key);

}  // namespace conductor::detail
