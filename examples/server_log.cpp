#include "server_log.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace server_log {
namespace {

Format format_in_use = Format::kText;

spdlog::level::level_enum to_spdlog(conductor::LogLevel level) {
  switch (level) {
    case conductor::LogLevel::kDebug: return spdlog::level::debug;
    case conductor::LogLevel::kInfo: return spdlog::level::info;
    case conductor::LogLevel::kWarning: return spdlog::level::warn;
    case conductor::LogLevel::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::string quoted(std::string_view text) { return boost::json::serialize(boost::json::string(text)); }

}  // namespace

Format parse_format(std::string_view text) {
  if (text == "text") return Format::kText;
  if (text == "json") return Format::kJson;
  throw std::invalid_argument("expected text or json");
}

conductor::LogLevel parse_level(std::string_view text) {
  for (auto level : {conductor::LogLevel::kDebug, conductor::LogLevel::kInfo, conductor::LogLevel::kWarning,
                     conductor::LogLevel::kError}) {
    if (text == conductor::to_string(level)) return level;
  }
  throw std::invalid_argument("expected debug, info, warning or error");
}

void configure(Format format, conductor::LogLevel min_level) {
  format_in_use = format;
  // The mutex-guarded sink writes each line whole, and flushing every line keeps a piped log current.
  auto logger = spdlog::stdout_logger_mt("conductor-server");
  logger->set_level(to_spdlog(min_level));
  logger->flush_on(spdlog::level::trace);
  if (format == Format::kJson) {
    logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  }
  spdlog::set_default_logger(std::move(logger));
}

void log(conductor::LogLevel level, std::string_view message, const conductor::LogFields& fields) {
  if (!spdlog::should_log(to_spdlog(level))) return;
  std::string line;
  if (format_in_use == Format::kJson) {
    line = "\"message\":" + quoted(message);
    for (const auto& [name, value] : fields) line += fmt::format(",{}:{}", quoted(name), quoted(value));
  } else {
    line = std::string(message);
    for (const auto& [name, value] : fields) line += fmt::format(" {}={}", name, value);
  }
  spdlog::log(to_spdlog(level), "{}", line);
}

void log_request(const conductor::http::RequestLogEntry& entry) {
  const auto level = to_spdlog(entry.status >= 500 ? conductor::LogLevel::kError : conductor::LogLevel::kInfo);
  if (!spdlog::should_log(level)) return;
  const std::string_view method = entry.method.empty() ? "-" : entry.method;
  const double duration_ms = static_cast<double>(entry.duration.count()) / 1000.0;
  if (format_in_use == Format::kJson) {
    spdlog::log(level, R"("message":"request","method":{},"path":{},"status":{},"durationMs":{:.3f})", quoted(method),
                quoted(entry.path), entry.status, duration_ms);
  } else {
    // `GET /api/workflow/... 200 1.234ms`
    spdlog::log(level, "{} {} {} {:.3f}ms", method, entry.path, entry.status, duration_ms);
  }
}

}  // namespace server_log
