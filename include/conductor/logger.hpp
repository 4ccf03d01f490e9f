#pragma once

#include <conductor/export.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace conductor {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

CONDUCTOR_EXPORT std::string_view to_string(LogLevel level);

/// A message's context as (name, value) pairs, such as ("workflowId", id); names are Conductor's
/// field names where one exists.
using LogFields = std::vector<std::pair<std::string_view, std::string>>;

/// Receives what the engine has to say that no caller is there to hear: a sweep that failed, a
/// worker whose result could not be stored yet. Called from the engine's threads, possibly several
/// at once, so it must be thread-safe; it must not call back into the engine. The library itself
/// never writes to stdout or stderr: without a logger these messages are dropped.
using Logger = std::function<void(LogLevel level, std::string_view message, const LogFields& fields)>;

/// A logger writing one line per message to stderr (`level message name=value ...`), dropping
/// messages below `min_level`: for hosts that want the messages and have no log of their own.
CONDUCTOR_EXPORT Logger stderr_logger(LogLevel min_level = LogLevel::kInfo);

}  // namespace conductor
