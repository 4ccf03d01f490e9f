#include "executor/task_logs.hpp"

#include <conductor/error.hpp>

#include <fmt/format.h>

#include <cstddef>

namespace conductor::detail {

namespace {
std::size_t max_bytes(const Limits& limits) { return static_cast<std::size_t>(limits.max_task_log_kb) * 1024; }
}  // namespace

void check_log_message(const Limits& limits, std::string_view message) {
  if (message.size() > max_bytes(limits))
    throw TooLargeError(fmt::format("The log message is {} bytes, more than the limit of {} bytes", message.size(),
                                    max_bytes(limits)));
}

void fit_log_messages(const Limits& limits, std::vector<TaskExecLog>& logs) {
  const std::size_t max = max_bytes(limits);
  for (auto& log : logs) {
    if (log.log.size() <= max) continue;
    std::size_t end = max;
    // Back over continuation bytes (10xxxxxx) so the cut falls before a character, not inside it.
    while (end > 0 && (static_cast<unsigned char>(log.log[end]) & 0xC0) == 0x80) --end;
    log.log.resize(end);
  }
}

}  // namespace conductor::detail
