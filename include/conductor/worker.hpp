#pragma once

#include <conductor/export.hpp>
#include <conductor/model.hpp>

#include <chrono>
#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace conductor {

namespace detail {
class EngineCore;
}

/// A worker callback: takes the polled task and returns its output (JsonObject, marks the task
/// COMPLETED) or a full TaskResult. Throwing fails the task with the exception's message.
template <class F>
concept WorkerFunction = std::invocable<F&, const Task&> &&
    (std::same_as<std::decay_t<std::invoke_result_t<F&, const Task&>>, JsonObject> ||
     std::same_as<std::decay_t<std::invoke_result_t<F&, const Task&>>, TaskResult>);

struct WorkerOptions {
  std::string task_type;
  std::optional<std::string> domain;
  int threads = 1;     ///< callbacks of this worker running at once
  int batch_size = 1;  ///< tasks taken per poll
  std::string worker_id = "in-process";
  std::chrono::milliseconds poll_timeout{1000};  ///< long-poll wait; a queued task wakes it at once
};

/// Runs C++ callbacks as Conductor workers inside the host process. Created by the Engine; hosts
/// reach it through Engine::workers().
///
/// Each registered worker gets its own threads, which long-poll the task queue (they are woken the
/// moment a task is queued, not on an interval), run the callback and report the result; reporting
/// a result takes the thread's next task of the type in the same transaction. A callback
/// that throws fails its task and never kills a thread. `stop()` stops polling, lets in-flight
/// callbacks finish and report, and joins the threads; the destructor calls it.
/// Thread-safe.
///
///     runner.add({.task_type = "encode", .threads = 4}, [](const conductor::Task& t) {
///       return conductor::JsonObject{{"url", t.input_data.at("url")}};
///     });
///     runner.start();
class CONDUCTOR_EXPORT WorkerRunner {
 public:
  using Callback = std::function<TaskResult(const Task&)>;

  ~WorkerRunner();
  WorkerRunner(const WorkerRunner&) = delete;
  WorkerRunner& operator=(const WorkerRunner&) = delete;

  template <WorkerFunction F>
  void add(WorkerOptions options, F function) {
    add_callback(std::move(options), [f = std::move(function)](const Task& task) mutable -> TaskResult {
      if constexpr (std::same_as<std::decay_t<std::invoke_result_t<F&, const Task&>>, TaskResult>) {
        return f(task);
      } else {
        TaskResult result;
        result.status = TaskResultStatus::kCompleted;
        result.output_data = f(task);
        return result;
      }
    });
  }

  /// Starts the threads of every worker added so far (and of later ones as they are added).
  void start();
  /// Stops polling, waits for in-flight callbacks to report, joins the threads.
  void stop();

 private:
  friend class detail::EngineCore;
  explicit WorkerRunner(detail::EngineCore& core);

  void add_callback(WorkerOptions options, Callback callback);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace conductor
