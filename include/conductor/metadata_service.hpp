#pragma once

#include <conductor/clock.hpp>
#include <conductor/export.hpp>
#include <conductor/limits.hpp>
#include <conductor/model.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conductor {

class Storage;

namespace detail {
class EngineCore;
}

/// How definitions are validated.
struct MetadataOptions {
  /// Reject task and workflow definitions without `ownerEmail` (Conductor's
  /// `conductor.app.ownerEmailMandatory`; its packaged server turns it off, as we do by default).
  bool owner_email_mandatory = false;
  /// Reject SIMPLE nodes whose task name has no registered TaskDef and no inline `taskDefinition`.
  /// Off by default, as in Conductor: such a task runs with the TaskDef defaults. Nodes of an unknown
  /// type always need a definition, because a worker task of that type cannot be scheduled without one.
  bool task_def_mandatory = false;
};

/// Task definitions, workflow definitions and event handlers: Conductor's MetadataService.
///
/// Every call validates its input with Conductor's rules and messages before touching storage and
/// throws ValidationError listing every violation, with paths named after Conductor's service
/// methods (`registerTaskDef.taskDefinitions[0].name`), so the HTTP adapter can pass them through.
/// Each mutating call is one storage transaction: a list with one bad element stores nothing.
/// Times are stamped from the Clock.
///
/// Thread-safety: safe to call from any thread without external locking. Calls block on storage
/// I/O. Obtained from an Engine (EngineOptions::metadata sets its options) and valid while it lives.
///
/// ```
/// conductor::Engine engine;
/// auto& metadata = engine.metadata();
/// metadata.register_task_defs({conductor::decode<conductor::TaskDef>(R"({"name":"encode"})")});
/// metadata.register_workflow_def(conductor::decode<conductor::WorkflowDef>(R"({"name":"media",
///     "tasks":[{"name":"encode","taskReferenceName":"encode_ref"}]})"));
/// conductor::WorkflowDef latest = metadata.get_workflow_def("media");
/// ```
class CONDUCTOR_EXPORT MetadataService {
 public:
  ~MetadataService();
  MetadataService(const MetadataService&) = delete;
  MetadataService& operator=(const MetadataService&) = delete;

  /// The options the service validates with.
  const MetadataOptions& options() const noexcept;

  // Task definitions (`/api/metadata/taskdefs`).

  /// Creates or replaces each definition (POST). Stamps createTime and clears updateTime/updatedBy.
  /// Throws ValidationError for an empty list or any invalid element.
  void register_task_defs(const std::vector<TaskDef>& defs);
  /// Replaces a registered definition (PUT), keeping its createTime/createdBy and stamping updateTime.
  /// Throws ValidationError, or NotFoundError when no definition has this name.
  void update_task_def(const TaskDef& def);
  /// Throws NotFoundError when absent.
  TaskDef get_task_def(std::string_view name);
  std::optional<TaskDef> find_task_def(std::string_view name);
  /// Ordered by name.
  std::vector<TaskDef> list_task_defs();
  /// Throws NotFoundError when absent.
  void remove_task_def(std::string_view name);

  // Workflow definitions (`/api/metadata/workflow`).

  /// Creates the definition (POST). When its name and version already exist: ConflictError, or with
  /// `overwrite` a replacement stamped with updateTime. The conflict is checked before validation,
  /// as in Conductor.
  void register_workflow_def(const WorkflowDef& def, bool overwrite = false);
  /// Creates or replaces each definition, stamping updateTime only (PUT). Throws ValidationError and
  /// stores nothing when the list is empty or any element is invalid; otherwise reports each stored
  /// name in `bulk_successful_results` and each storage failure, keyed by name, in `bulk_error_results`.
  BulkResponse update_workflow_defs(const std::vector<WorkflowDef>& defs);
  /// The given version, or the latest when `version` is nullopt. Throws NotFoundError when absent.
  WorkflowDef get_workflow_def(std::string_view name, std::optional<int> version = {});
  std::optional<WorkflowDef> find_workflow_def(std::string_view name, std::optional<int> version = {});
  /// Every version of every definition, ordered by name then version; with a non-empty `classifier`,
  /// only those whose classifier (`metadata.classifier`, else `agent` for agent metadata, else `workflow`)
  /// equals it, ignoring case.
  std::vector<WorkflowDef> list_workflow_defs(std::optional<std::string_view> classifier = {});
  /// The highest version of each definition, ordered by name.
  std::vector<WorkflowDef> latest_workflow_defs();
  /// Distinct definition names, sorted.
  std::vector<std::string> workflow_names();
  /// Name to summaries (name, version, createTime; no updateTime) ordered by version.
  std::map<std::string, std::vector<WorkflowDefSummary>> names_and_versions();
  /// Summaries of every version of one definition, ascending; empty for an unknown name.
  std::vector<WorkflowDefSummary> workflow_versions(std::string_view name);
  /// Throws NotFoundError when that version does not exist.
  void remove_workflow_def(std::string_view name, int version);
  /// Validates against the registered task definitions; throws ValidationError, writes nothing.
  void validate_workflow_def(const WorkflowDef& def);

  // Event handlers (`/api/event`).

  /// Throws ValidationError, or ConflictError when a handler has this name.
  void add_event_handler(const EventHandler& handler);
  /// Throws ValidationError, or NotFoundError when no handler has this name.
  void update_event_handler(const EventHandler& handler);
  /// Throws NotFoundError when absent.
  void remove_event_handler(std::string_view name);
  /// Ordered by name.
  std::vector<EventHandler> list_event_handlers();
  /// Handlers whose `event` equals `event` exactly, only active ones when `active_only`.
  std::vector<EventHandler> event_handlers_for(std::string_view event, bool active_only = true);

 private:
  friend class detail::EngineCore;
  /// `limits` bound the size of workflow definitions, their task nodes and their fork branches.
  MetadataService(Storage& storage, const Clock& clock, MetadataOptions options, Limits limits);

  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace conductor
