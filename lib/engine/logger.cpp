#include <conductor/logger.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <mutex>

namespace conductor {

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "?";
}

Logger stderr_logger(LogLevel min_level) {
  return [min_level](LogLevel level, std::string_view message, const LogFields& fields) {
    if (level < min_level) return;
    std::string line = fmt::format("conductor: {} {}", to_string(level), message);
    for (const auto& [name, value] : fields) line += fmt::format(" {}={}", name, value);
    line += '\n';
    // One write per line, so lines from several threads never interleave.
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    std::fputs(line.c_str(), stderr);
  };
}

}  // namespace conductor
