#include "storage/sqlite/stores.hpp"

namespace conductor::detail {

std::int64_t SqliteMetadataStore::version() {
  if (!version_) {
    ScopedStatement row = db_.get().query("SELECT version FROM metadata_version");
    version_ = row->step() ? row->int64(0) : 0;
  }
  return *version_;
}

void SqliteMetadataStore::put_task_def(const TaskDef& def) {
  version_.reset();
  db_.get().execute("INSERT OR REPLACE INTO task_defs (name, json) VALUES (?, ?)", def.name,
                    encode(def, JsonMode::kStorage));
}

std::optional<TaskDef> SqliteMetadataStore::find_task_def(std::string_view name) {
  const std::int64_t at = version();
  if (auto cached = cache_.task_def(at, name)) return std::move(*cached);
  std::optional<TaskDef> def = decode_row<TaskDef>(db_.get().query("SELECT json FROM task_defs WHERE name = ?", name));
  cache_.put_task_def(at, name, def);
  return def;
}

std::vector<TaskDef> SqliteMetadataStore::list_task_defs() {
  return decode_rows<TaskDef>(db_.get().query("SELECT json FROM task_defs ORDER BY name"));
}

bool SqliteMetadataStore::remove_task_def(std::string_view name) {
  version_.reset();
  return db_.get().execute("DELETE FROM task_defs WHERE name = ?", name) > 0;
}

void SqliteMetadataStore::put_workflow_def(const WorkflowDef& def) {
  version_.reset();
  db_.get().execute("INSERT OR REPLACE INTO workflow_defs (name, version, json) VALUES (?, ?, ?)", def.name,
                    def.version, encode(def, JsonMode::kStorage));
}

std::optional<WorkflowDef> SqliteMetadataStore::find_workflow_def(std::string_view name, std::optional<int> version) {
  const std::int64_t at = this->version();
  if (auto cached = cache_.workflow_def(at, name, version)) return std::move(*cached);
  std::optional<WorkflowDef> def =
      version ? decode_row<WorkflowDef>(
                    db_.get().query("SELECT json FROM workflow_defs WHERE name = ? AND version = ?", name, *version))
              : decode_row<WorkflowDef>(db_.get().query(
                    "SELECT json FROM workflow_defs WHERE name = ? ORDER BY version DESC LIMIT 1", name));
  cache_.put_workflow_def(at, name, version, def);
  return def;
}

std::vector<WorkflowDef> SqliteMetadataStore::list_workflow_defs() {
  return decode_rows<WorkflowDef>(db_.get().query("SELECT json FROM workflow_defs ORDER BY name, version"));
}

bool SqliteMetadataStore::remove_workflow_def(std::string_view name, int version) {
  version_.reset();
  return db_.get().execute("DELETE FROM workflow_defs WHERE name = ? AND version = ?", name, version) > 0;
}

void SqliteMetadataStore::put_event_handler(const EventHandler& handler) {
  db_.get().execute("INSERT OR REPLACE INTO event_handlers (name, json) VALUES (?, ?)", handler.name,
                    encode(handler, JsonMode::kStorage));
}

std::optional<EventHandler> SqliteMetadataStore::find_event_handler(std::string_view name) {
  return decode_row<EventHandler>(db_.get().query("SELECT json FROM event_handlers WHERE name = ?", name));
}

std::vector<EventHandler> SqliteMetadataStore::list_event_handlers() {
  return decode_rows<EventHandler>(db_.get().query("SELECT json FROM event_handlers ORDER BY name"));
}

bool SqliteMetadataStore::remove_event_handler(std::string_view name) {
  return db_.get().execute("DELETE FROM event_handlers WHERE name = ?", name) > 0;
}

}  // namespace conductor::detail
