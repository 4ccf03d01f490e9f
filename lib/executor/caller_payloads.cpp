#include "executor/caller_payloads.hpp"

#include <conductor/error.hpp>
#include <conductor/limits.hpp>

#include "engine/engine_core.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace conductor::detail {

JsonObject caller_payload(EngineCore& core, PayloadType type, const std::optional<std::string>& external_path,
                          JsonObject inline_payload, std::string_view owner) {
  if (external_path && !external_path->empty()) {
    PayloadStorage* storage = core.payload_storage();
    if (storage == nullptr)
      throw ValidationError(fmt::format("External payload storage is not configured: cannot read {} of {} from {}",
                                        to_string(type), owner, *external_path));
    std::string text;
    try {
      text = storage->read(*external_path);
    } catch (const NotFoundError& error) {
      throw ValidationError(error.message());
    }
    boost::system::error_code error;
    auto value = boost::json::parse(text, error);
    if (error || !value.is_object())
      throw ValidationError(fmt::format("The payload at {} is not a JSON object", *external_path));
    inline_payload = std::move(value.as_object());
  }
  check_payload_size(core, type, inline_payload, owner);
  return inline_payload;
}

void check_payload_size(const EngineCore& core, PayloadType type, const JsonObject& payload, std::string_view owner) {
  const std::int64_t max_bytes = core.payload_limits().max_kb(type) * 1024;
  if (payload.empty()) return;
  const auto size = static_cast<std::int64_t>(boost::json::serialize(payload).size());
  if (size > max_bytes)
    throw TooLargeError(fmt::format("The {} payload size: {} of {} is greater than the permissible limit: {} bytes",
                                    to_string(type), size, owner, max_bytes));
}

}  // namespace conductor::detail
