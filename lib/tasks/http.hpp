#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// HTTP: calls an HTTP endpoint. The request is the input's `http_request` object or, when there is
/// none, the input itself: `uri`, `method`, `headers`, `body` (a string is sent as is, anything else
/// as JSON), `accept` (a string or a list; default application/json), `contentType` (default
/// application/json), `connectionTimeOut` and `readTimeOut` (milliseconds, default 3000; the read
/// timeout bounds the whole exchange after connecting). Output `response`: `statusCode`,
/// `reasonPhrase`, `headers` (name to list of values) and `body`, parsed when it is JSON and text
/// otherwise. A 2xx status completes the task (or leaves it IN_PROGRESS with asyncComplete); any other
/// status or a transport error fails it with a reason, so its TaskDef's retries apply.
///
/// Async: the engine makes the call on its HTTP client's thread once the task runs (calls_out), and a
/// call lost with its process is made again when the task's queue message comes back.
class HttpTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "HTTP"; }
  bool is_async() const override { return true; }
  bool calls_out() const override { return true; }
  std::vector<Task> map(const MapperContext& context) const override;
  /// Checks the request and sets the task IN_PROGRESS; the engine makes the call after the commit.
  void start(Task& task, SystemTaskContext& context) const override;
  void call(const Task& task, HttpClient& client, std::function<void(TaskResult)> done) const override;
  /// Past the call's own timeouts: the message comes back only when the call's result was lost.
  std::int64_t evaluation_offset_seconds(const Task& task, EpochMillis now) const override;
};

}  // namespace conductor::detail
