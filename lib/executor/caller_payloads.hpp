#pragma once

#include <conductor/model/json.hpp>
#include <conductor/payload_storage.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace conductor::detail {

class EngineCore;

/// A payload a caller hands in (a start's input, a worker's output): the one stored at
/// `external_path` when the caller names one, else `inline_payload`. ValidationError when the path
/// names nothing usable or the engine has no payload storage; TooLargeError when the payload is
/// larger than the engine's maximum for `type`; `owner` names the workflow or task in that message.
JsonObject caller_payload(EngineCore& core, PayloadType type, const std::optional<std::string>& external_path,
                          JsonObject inline_payload, std::string_view owner);

/// TooLargeError when `payload` serializes to more than the engine's maximum for `type`.
void check_payload_size(const EngineCore& core, PayloadType type, const JsonObject& payload, std::string_view owner);

}  // namespace conductor::detail
