#pragma once

#include "decider/parameters.hpp"

#include <conductor/error.hpp>
#include <conductor/limits.hpp>
#include <conductor/metadata_service.hpp>
#include <conductor/model.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Conductor's definition validation (api.md 2.1-2.3, 2.9): the bean constraints of TaskDef,
/// WorkflowDef, WorkflowTask and EventHandler, the per-type rules of WorkflowTaskTypeConstraint, and
/// the class-level reference checks. Every check appends to a list instead of stopping, so one
/// ValidationError reports everything, as Conductor's validator does.
///
/// `path` is the violation prefix naming the argument, e.g. `registerTaskDef.taskDefinitions[0]` or
/// `startWorkflow.startWorkflowRequest.workflowDef`; class-level violations carry the prefix itself.
///
/// SWITCH `javascript` expressions and DECISION `caseExpression`s are compiled, not run. Not checked:
/// the opt-in workflow-name character rule Conductor's server leaves off.
namespace conductor::detail {

/// Finds a registered task definition by name; the engine passes one reading its own transaction.
using TaskDefLookup = std::function<std::optional<TaskDef>(std::string_view name)>;

/// What a workflow definition is checked against.
struct DefinitionContext {
  MetadataOptions options;
  TaskDefLookup find_task_def;
  /// Names a top-level `${NAME}` input may use besides `workflow`, task references and Conductor's
  /// system parameters; the process environment unless the engine adds its properties.
  EnvironmentLookup environment;
  /// Bounds the definition's size (TooLargeError, thrown before any other check), its task nodes and
  /// its static fork branches (violations).
  Limits limits;
};

void check_task_def(const TaskDef& def, const std::string& path, const MetadataOptions& options,
                    std::vector<FieldViolation>& out);

void check_workflow_def(const WorkflowDef& def, const std::string& path, const DefinitionContext& context,
                        std::vector<FieldViolation>& out);

void check_event_handler(const EventHandler& handler, const std::string& path, std::vector<FieldViolation>& out);

/// Throws ValidationError carrying `violations` unless it is empty.
void throw_if_any(std::vector<FieldViolation> violations);

/// check_workflow_def, then throw_if_any: what the engine runs on an inline definition at start.
void validate_workflow_def(const WorkflowDef& def, const std::string& path, const DefinitionContext& context);

}  // namespace conductor::detail
