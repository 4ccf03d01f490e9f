#pragma once

#include <cstdint>

namespace conductor {

/// Bounds on what one caller or one workflow can make the engine hold. Each default is far above
/// what a normal workflow reaches, so that only a runaway (a loop that never ends, a fork over an
/// unbounded list, a workflow starting itself) or a hostile request meets it. Conductor has none of
/// these except the search page size; the payload size bounds are in PayloadLimits.
///
/// Past a bound a request is refused and nothing is stored: TooLargeError (HTTP 413) for a size,
/// ValidationError (HTTP 400) for a count. A running workflow that reaches a bound fails, in the same
/// change that would have grown it, with a reasonForIncompletion naming the bound.
struct Limits {
  // Every bound is an int64_t, as PayloadLimits' are, so that a host can set them from one table.
  /// Tasks one workflow may hold, every retry counted and the iterations a DO_WHILE's `keepLastN`
  /// dropped not. A definition with more task nodes is refused; a workflow about to schedule more
  /// fails instead. Every decision reads the whole task list, so tens of thousands of tasks already
  /// make each step slow.
  std::int64_t max_tasks_per_workflow = 50'000;
  /// Branches of one FORK_JOIN (refused at validation) or FORK_JOIN_DYNAMIC (the workflow fails when
  /// the fork is reached). All branches start in one change.
  std::int64_t max_fork_branches = 10'000;
  /// Iterations of one DO_WHILE: the loop task fails before starting one more. Reachable only with
  /// `keepLastN`, since without it the tasks bound is met first.
  std::int64_t max_do_while_iterations = 100'000;
  /// How deep SUB_WORKFLOW children may nest below their root workflow (a child of the root is at
  /// depth 1): the SUB_WORKFLOW task that would start a deeper one fails. This also ends a workflow
  /// that starts itself as its own sub-workflow.
  std::int64_t max_sub_workflow_depth = 32;
  /// Size of a workflow definition registered, updated, validated or given inline at a start,
  /// measured as it is stored: its JSON with every field written out (about 500 bytes per task node
  /// however tersely it was sent), so a few thousand nodes fit.
  std::int64_t max_workflow_def_kb = 4096;
  /// Results one search page may ask for (`size`), as Conductor bounds workflow searches; here task
  /// searches too.
  std::int64_t max_search_page_size = 5'000;
  /// Size of one task log message. A log added on its own (TaskQueue::add_log) is refused; a log that
  /// comes with a task result is cut to this size, so the result is never lost for a log line.
  std::int64_t max_task_log_kb = 64;
};

}  // namespace conductor
