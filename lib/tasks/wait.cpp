#include "tasks/wait.hpp"

#include "decider/input_resolver.hpp"
#include "script/evaluator.hpp"
#include "tasks/task_input.hpp"
#include "util/date_time.hpp"

#include <algorithm>
#include <climits>

namespace conductor::detail {

namespace {

// Sets when the wait ends from the task's input, or fails the task when the input is unusable.
void arm(Task& task, EpochMillis now) {
  const std::string duration = input_text(task.input_data, "duration");
  const std::string until = input_text(task.input_data, "until");
  auto fail = [&](std::string reason) {
    task.status = TaskStatus::kFailedWithTerminalError;
    task.reason_for_incompletion = std::move(reason);
  };
  if (!is_blank(duration) && !is_blank(until))
    return fail("Both 'duration' and 'until' specified. Please provide only one input");
  if (!is_blank(duration)) {
    // Upstream lets an unparsable duration escape the decide; failing the task keeps the workflow moving.
    auto seconds = parse_duration_seconds(duration);
    if (!seconds) return fail("Invalid/Unsupported Wait duration format.  Provided: " + duration);
    task.wait_timeout = now + *seconds * 1000;
    task.callback_after_seconds = *seconds;
  } else if (!is_blank(until)) {
    auto at = parse_date_time_ms(until);
    if (!at) return fail("Invalid/Unsupported Wait Until format.  Provided: " + until);
    task.wait_timeout = *at;
    task.callback_after_seconds = std::max<std::int64_t>(0, (*at - now) / 1000);
  } else {
    // No end: the queue message is effectively never delivered; only an update finishes the task.
    task.callback_after_seconds = INT_MAX;
  }
}

}  // namespace

std::vector<Task> WaitTask::map(const MapperContext& context) const {
  Task task = context.new_task(type());
  task.input_data = context.inputs.resolve(context.node.input_parameters, context.task_id);
  task.start_time = context.now;
  task.status = TaskStatus::kInProgress;
  arm(task, context.now);
  return {std::move(task)};
}

// Only a retried attempt arrives SCHEDULED: it waits again, counted from now.
void WaitTask::start(Task& task, SystemTaskContext& context) const {
  task.status = TaskStatus::kInProgress;
  task.wait_timeout = 0;
  arm(task, context.now);
}

bool WaitTask::execute(Task& task, SystemTaskContext& context) const {
  // Due at the deadline itself (upstream: strictly after it, which a clock standing exactly on the
  // deadline would turn into one more evaluation a second later).
  if (task.wait_timeout == 0 || context.now < task.wait_timeout) return false;
  task.status = TaskStatus::kCompleted;
  return true;
}

std::int64_t WaitTask::evaluation_offset_seconds(const Task& task, EpochMillis now) const {
  if (task.wait_timeout == 0) return TaskHandler::evaluation_offset_seconds(task, now);
  return std::max<std::int64_t>(1, (task.wait_timeout - now + 999) / 1000);
}

std::optional<std::int64_t> WaitTask::decider_wait_seconds(const Task& task, EpochMillis now,
                                                           std::int64_t offset_seconds) const {
  if (task.status != TaskStatus::kInProgress) return std::nullopt;
  return task.wait_timeout > 0 ? std::max<std::int64_t>(0, (task.wait_timeout - now) / 1000) : offset_seconds;
}

}  // namespace conductor::detail
