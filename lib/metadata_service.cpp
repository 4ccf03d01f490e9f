#include <conductor/metadata_service.hpp>

#include <conductor/storage/storage.hpp>

#include "metadata_validation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <type_traits>
#include <utility>

namespace conductor {
namespace {

/// Conductor's `@NotEmpty` on a service method's name parameter.
void require_name(std::string_view value, std::string path, std::string message) {
  if (value.empty()) detail::throw_if_any({{std::move(path), std::move(message), {}}});
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

/// api.md 1.2: `metadata.classifier` when a non-blank string, `agent` for agent metadata, else `workflow`.
std::string classifier_of(const WorkflowDef& def) {
  if (const Json* classifier = def.metadata.if_contains("classifier"); classifier && classifier->is_string()) {
    std::string_view text = classifier->get_string();
    if (text.find_first_not_of(" \t\n\v\f\r") != std::string_view::npos) return std::string(text);
  }
  if (def.metadata.contains("agent_sdk") || def.metadata.contains("agentDef")) return "agent";
  return "workflow";
}

/// The listing entry: name, version and createTime only, as Conductor builds it.
WorkflowDefSummary summary_of(const WorkflowDef& def) {
  WorkflowDefSummary summary;
  summary.name = def.name;
  summary.version = def.version;
  summary.create_time = def.create_time;
  return summary;
}

std::string version_text(std::optional<int> version) { return version ? std::to_string(*version) : "null"; }

}  // namespace

class MetadataService::Impl {
 public:
  Impl(Storage& storage, const Clock& clock, MetadataOptions options, Limits limits)
      : storage_(storage), clock_(clock), options_(options), limits_(limits) {}

  const MetadataOptions& options() const { return options_; }
  /// Validation against the task definitions `store` sees, inside the caller's transaction.
  detail::DefinitionContext context(MetadataStore& store) const {
    return {options_, [&store](std::string_view name) { return store.find_task_def(name); }, {}, limits_};
  }
  EpochMillis now() const { return clock_.now_ms(); }

  /// Runs `body` on the metadata store of one read transaction.
  template <class Body>
  auto read(Body&& body) {
    auto tx = storage_.begin(TransactionMode::kRead);
    return body(tx->metadata());
  }

  /// Runs `body` in one write transaction and commits when it returns; a throw rolls everything back.
  template <class Body>
  auto write(Body&& body) {
    auto tx = storage_.begin(TransactionMode::kWrite);
    if constexpr (std::is_void_v<decltype(body(tx->metadata()))>) {
      body(tx->metadata());
      tx->commit();
    } else {
      auto result = body(tx->metadata());
      tx->commit();
      return result;
    }
  }

 private:
  Storage& storage_;
  const Clock& clock_;
  MetadataOptions options_;
  Limits limits_;
};

MetadataService::MetadataService(Storage& storage, const Clock& clock, MetadataOptions options, Limits limits)
    : impl_(std::make_unique<Impl>(storage, clock, options, limits)) {}

MetadataService::~MetadataService() = default;

const MetadataOptions& MetadataService::options() const noexcept { return impl_->options(); }

void MetadataService::register_task_defs(const std::vector<TaskDef>& defs) {
  const std::string path = "registerTaskDef.taskDefinitions";
  std::vector<FieldViolation> violations;
  if (defs.empty()) violations.push_back({path, "TaskDefList is empty", {}});
  for (std::size_t i = 0; i < defs.size(); ++i) {
    detail::check_task_def(defs[i], fmt::format("{}[{}]", path, i), impl_->options(), violations);
  }
  detail::throw_if_any(std::move(violations));

  EpochMillis now = impl_->now();
  impl_->write([&](MetadataStore& store) {
    for (TaskDef def : defs) {
      def.created_by.reset();
      def.create_time = now;
      def.updated_by.reset();
      def.update_time = 0;
      store.put_task_def(def);
    }
  });
}

void MetadataService::update_task_def(const TaskDef& def) {
  std::vector<FieldViolation> violations;
  detail::check_task_def(def, "updateTaskDef.taskDefinition", impl_->options(), violations);
  detail::throw_if_any(std::move(violations));

  EpochMillis now = impl_->now();
  impl_->write([&](MetadataStore& store) {
    auto existing = store.find_task_def(def.name);
    if (!existing) throw NotFoundError(fmt::format("No such task by name {}", def.name));
    TaskDef updated = def;
    updated.create_time = existing->create_time;
    updated.created_by = existing->created_by;
    updated.updated_by.reset();
    updated.update_time = now;
    store.put_task_def(updated);
  });
}

TaskDef MetadataService::get_task_def(std::string_view name) {
  require_name(name, "getTaskDef.taskType", "TaskType cannot be null or empty");
  auto def = find_task_def(name);
  if (!def) throw NotFoundError(fmt::format("No such taskType found by name: {}", name));
  return std::move(*def);
}

std::optional<TaskDef> MetadataService::find_task_def(std::string_view name) {
  return impl_->read([&](MetadataStore& store) { return store.find_task_def(name); });
}

std::vector<TaskDef> MetadataService::list_task_defs() {
  return impl_->read([](MetadataStore& store) { return store.list_task_defs(); });
}

void MetadataService::remove_task_def(std::string_view name) {
  require_name(name, "unregisterTaskDef.taskType", "TaskName cannot be null or empty");
  impl_->write([&](MetadataStore& store) {
    if (!store.remove_task_def(name)) throw NotFoundError("No such task definition");
  });
}

void MetadataService::register_workflow_def(const WorkflowDef& def, bool overwrite) {
  EpochMillis now = impl_->now();
  impl_->write([&](MetadataStore& store) {
    // Conductor looks the key up before validating, so a clash wins over an invalid body; a blank
    // name goes straight to validation.
    bool exists = !def.name.empty() && store.find_workflow_def(def.name, def.version).has_value();
    if (exists && !overwrite) {
      throw ConflictError(fmt::format("Workflow with {}.{} already exists!", def.name, def.version));
    }
    // Overwriting goes through Conductor's updateWorkflowDef(def), whose paths its violations carry.
    detail::validate_workflow_def(def, exists ? "updateWorkflowDef.def" : "registerWorkflowDef.workflowDef",
                                  impl_->context(store));
    WorkflowDef stored = def;
    (exists ? stored.update_time : stored.create_time) = now;
    store.put_workflow_def(stored);
  });
}

BulkResponse MetadataService::update_workflow_defs(const std::vector<WorkflowDef>& defs) {
  const std::string path = "updateWorkflowDef.workflowDefList";
  EpochMillis now = impl_->now();
  return impl_->write([&](MetadataStore& store) {
    std::vector<FieldViolation> violations;
    if (defs.empty()) violations.push_back({path, "WorkflowDefList is empty", {}});
    auto context = impl_->context(store);
    for (std::size_t i = 0; i < defs.size(); ++i) {
      detail::check_workflow_def(defs[i], fmt::format("{}[{}]", path, i), context, violations);
    }
    detail::throw_if_any(std::move(violations));

    BulkResponse response;
    for (WorkflowDef def : defs) {
      def.update_time = now;
      try {
        store.put_workflow_def(def);
        response.bulk_successful_results.push_back(def.name);
      } catch (const Error& e) {
        response.bulk_error_results[def.name] = e.what();
      }
    }
    return response;
  });
}

WorkflowDef MetadataService::get_workflow_def(std::string_view name, std::optional<int> version) {
  require_name(name, "getWorkflowDef.name", "Workflow name cannot be null or empty");
  auto def = find_workflow_def(name, version);
  if (!def) {
    throw NotFoundError(fmt::format("No such workflow found by name: {}, version: {}", name, version_text(version)));
  }
  return std::move(*def);
}

std::optional<WorkflowDef> MetadataService::find_workflow_def(std::string_view name, std::optional<int> version) {
  return impl_->read([&](MetadataStore& store) { return store.find_workflow_def(name, version); });
}

std::vector<WorkflowDef> MetadataService::list_workflow_defs(std::optional<std::string_view> classifier) {
  auto defs = impl_->read([](MetadataStore& store) { return store.list_workflow_defs(); });
  if (classifier && !classifier->empty()) {
    std::erase_if(defs, [&](const WorkflowDef& def) { return !equals_ignoring_case(classifier_of(def), *classifier); });
  }
  return defs;
}

std::vector<WorkflowDef> MetadataService::latest_workflow_defs() {
  std::vector<WorkflowDef> latest;
  // The listing is ordered by name then version, so the last of each name is its latest.
  for (WorkflowDef& def : list_workflow_defs()) {
    if (!latest.empty() && latest.back().name == def.name) {
      latest.back() = std::move(def);
    } else {
      latest.push_back(std::move(def));
    }
  }
  return latest;
}

std::vector<std::string> MetadataService::workflow_names() {
  std::vector<std::string> names;
  for (const WorkflowDef& def : list_workflow_defs()) {
    if (names.empty() || names.back() != def.name) names.push_back(def.name);
  }
  return names;
}

std::map<std::string, std::vector<WorkflowDefSummary>> MetadataService::names_and_versions() {
  std::map<std::string, std::vector<WorkflowDefSummary>> result;
  for (const WorkflowDef& def : list_workflow_defs()) result[def.name].push_back(summary_of(def));
  return result;
}

std::vector<WorkflowDefSummary> MetadataService::workflow_versions(std::string_view name) {
  std::vector<WorkflowDefSummary> versions;
  for (const WorkflowDef& def : list_workflow_defs()) {
    if (def.name == name) versions.push_back(summary_of(def));
  }
  return versions;
}

void MetadataService::remove_workflow_def(std::string_view name, int version) {
  require_name(name, "unregisterWorkflowDef.name", "Workflow name cannot be null or empty");
  impl_->write([&](MetadataStore& store) {
    if (!store.remove_workflow_def(name, version)) {
      throw NotFoundError(fmt::format("No such workflow definition: {} version: {}", name, version));
    }
  });
}

void MetadataService::validate_workflow_def(const WorkflowDef& def) {
  impl_->read([&](MetadataStore& store) {
    detail::validate_workflow_def(def, "validateWorkflowDef.workflowDef", impl_->context(store));
  });
}

void MetadataService::add_event_handler(const EventHandler& handler) {
  std::vector<FieldViolation> violations;
  detail::check_event_handler(handler, "addEventHandler.eventHandler", violations);
  detail::throw_if_any(std::move(violations));
  impl_->write([&](MetadataStore& store) {
    if (store.find_event_handler(handler.name)) {
      throw ConflictError(fmt::format("EventHandler with name {} already exists!", handler.name));
    }
    store.put_event_handler(handler);
  });
}

void MetadataService::update_event_handler(const EventHandler& handler) {
  std::vector<FieldViolation> violations;
  detail::check_event_handler(handler, "updateEventHandler.eventHandler", violations);
  detail::throw_if_any(std::move(violations));
  impl_->write([&](MetadataStore& store) {
    if (!store.find_event_handler(handler.name)) {
      throw NotFoundError(fmt::format("EventHandler with name {} not found!", handler.name));
    }
    store.put_event_handler(handler);
  });
}

void MetadataService::remove_event_handler(std::string_view name) {
  require_name(name, "removeEventHandlerStatus.name", "EventName cannot be null or empty");
  impl_->write([&](MetadataStore& store) {
    if (!store.remove_event_handler(name)) {
      throw NotFoundError(fmt::format("EventHandler with name {} not found!", name));
    }
  });
}

std::vector<EventHandler> MetadataService::list_event_handlers() {
  return impl_->read([](MetadataStore& store) { return store.list_event_handlers(); });
}

std::vector<EventHandler> MetadataService::event_handlers_for(std::string_view event, bool active_only) {
  require_name(event, "getEventHandlersForEvent.event", "EventName cannot be null or empty");
  auto handlers = list_event_handlers();
  std::erase_if(handlers, [&](const EventHandler& h) { return h.event != event || (active_only && !h.active); });
  return handlers;
}

}  // namespace conductor
