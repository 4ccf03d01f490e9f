#pragma once

#include "tasks/task_handler.hpp"

namespace conductor::detail {

/// JOIN: waits until every task it joins on is terminal; its output maps each of their reference
/// names to their output (semantics.md §5.6). Async like Conductor's, but also evaluated by every
/// decide, so it ends in the same transaction as its last input.
class JoinTask final : public TaskHandler {
 public:
  std::string_view type() const override { return "JOIN"; }
  std::vector<Task> map(const MapperContext& context) const override;
  bool is_async() const override { return true; }
  bool executes_in_decide() const override { return true; }
  bool execute(Task& join, SystemTaskContext& context) const override;
  std::int64_t evaluation_offset_seconds(const Task& join, EpochMillis now) const override;
  bool joins_lazily_on(const WorkflowTask& node, std::string_view ref) const override;
  bool retries_on_failure() const override { return false; }
  bool joins_tasks() const override { return true; }
  bool resumes_waiting() const override { return true; }
  bool retried_in_place() const override { return true; }
};

/// The reference names listed under `key` in a task's input.
std::vector<std::string> input_refs(const Task& task, std::string_view key);

/// The reference names a join task (JOIN or EXCLUSIVE_JOIN) waits on: its input `joinOn`, each with
/// the join's iteration suffix inside a loop.
std::vector<std::string> joined_refs(const Task& join);

}  // namespace conductor::detail
