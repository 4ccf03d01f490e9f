#pragma once

#include <conductor/limits.hpp>
#include <conductor/model/task.hpp>

#include <string_view>
#include <vector>

namespace conductor::detail {

/// A log message added on its own: TooLargeError when it is longer than Limits::max_task_log_kb.
void check_log_message(const Limits& limits, std::string_view message);

/// Logs that come with a task result: each message longer than Limits::max_task_log_kb is cut to
/// it, at a UTF-8 character boundary, so that a long log line never costs the worker its result.
void fit_log_messages(const Limits& limits, std::vector<TaskExecLog>& logs);

}  // namespace conductor::detail
