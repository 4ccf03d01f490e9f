#pragma once

#include <conductor/export.hpp>
#include <conductor/model/task.hpp>
#include <conductor/model/workflow.hpp>

namespace conductor {

/// Workflow life-cycle events, fired for definitions with workflowStatusListenerEnabled.
enum class WorkflowEvent { kStarted, kCompleted, kTerminated, kFinalized, kPaused, kResumed, kRestarted, kRetried, kRerun };

/// A host's hook into workflow and task transitions. Callbacks run after the transition is committed,
/// on the thread that made it; they must not block for long and should not throw (exceptions are
/// swallowed so a listener can never undo or stall a committed change).
class CONDUCTOR_EXPORT StatusListener {
 public:
  virtual ~StatusListener() = default;
  virtual void on_workflow(WorkflowEvent /*event*/, const Workflow& /*workflow*/) {}
  /// Fired for tasks whose TaskDef has taskStatusListenerEnabled (the default).
  virtual void on_task(const Task& /*task*/) {}
};

}  // namespace conductor
