// conductor-server's log: one line per request and per engine message, through spdlog, on stdout.
#pragma once

#include <conductor/http/server.hpp>
#include <conductor/logger.hpp>

#include <string>
#include <string_view>

namespace server_log {

enum class Format { kText, kJson };

/// Throws std::invalid_argument naming the accepted values when `text` is none of them.
Format parse_format(std::string_view text);
conductor::LogLevel parse_level(std::string_view text);

/// Sets up the process's log; call once, before anything logs.
void configure(Format format, conductor::LogLevel min_level);

/// Logs one message with its fields: `2024-05-01T12:00:00.123Z info message name=value ...`, or
/// `{"time":...,"level":"info","message":...,"name":"value",...}` in the JSON format.
void log(conductor::LogLevel level, std::string_view message, const conductor::LogFields& fields = {});

/// A request line: method, path, status and duration; 5xx answers at error level.
void log_request(const conductor::http::RequestLogEntry& entry);

}  // namespace server_log
