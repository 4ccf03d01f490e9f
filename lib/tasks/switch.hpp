#pragma once

#include "tasks/task_handler.hpp"

#include <string>

namespace conductor::detail {

/// What SWITCH and DECISION share (semantics.md §5.4): the task records the case it chose, the first
/// node of that case is mapped in the same step (the task's input then carries `hasChildren`, which
/// tells the decider not to look for a next node), and execute() completes the task.
class CaseTask : public TaskHandler {
 public:
  bool execute(Task& task, SystemTaskContext& context) const override;
  bool retries_on_failure() const override { return false; }
  bool leads_into_branch(const Task& task) const override { return task.input_data.contains("hasChildren"); }

 protected:
  /// When the default case is taken instead of a listed one.
  enum class DefaultWhen {
    kAbsent,          ///< SWITCH: only when no case has that value
    kAbsentOrEmpty,   ///< DECISION: also when the case is an empty list
  };
  /// `task` followed by the tasks mapped from the first node of the case chosen for `case_value`.
  static std::vector<Task> with_case(const MapperContext& context, Task task, const std::string& case_value,
                                     DefaultWhen default_when);
};

/// SWITCH: the case is the text of `expression` evaluated by `evaluatorType` over the context input.
/// An evaluation error creates the task FAILED, which fails the workflow on the next decide.
class SwitchTask final : public CaseTask {
 public:
  std::string_view type() const override { return "SWITCH"; }
  std::vector<Task> map(const MapperContext& context) const override;
};

}  // namespace conductor::detail
