#pragma once

#include <conductor/model/json.hpp>

#include <optional>
#include <string_view>

/// Conductor's expression evaluators, chosen by a SWITCH node's or an INLINE task's `evaluatorType`.
namespace conductor::detail {

/// Whether an evaluator has this name: `value-param`, or `javascript` and `graaljs` (one engine).
bool is_evaluator(std::string_view type);

/// `value-param` answers `input[expression]` (null when missing); the JavaScript evaluators run
/// `expression` with `$` bound to `input`. Throws ScriptError or ScriptTimeout from scripts.
/// Precondition: is_evaluator(type).
Json evaluate(std::string_view type, std::string_view expression, const JsonObject& input);

/// Whether `text` is empty or only whitespace (Commons' isBlank, which Conductor's checks use).
bool is_blank(std::string_view text);

/// `input[key]` when it is a string that is not blank.
std::optional<std::string_view> non_blank_string(const JsonObject& input, std::string_view key);

}  // namespace conductor::detail
