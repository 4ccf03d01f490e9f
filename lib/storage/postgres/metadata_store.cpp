#include <conductor/codec.hpp>

#include "storage/postgres/stores.hpp"

namespace conductor::detail::pg {
namespace {

template <class T>
std::optional<T> decode_first(const Result& rows) {
  if (rows.empty()) return std::nullopt;
  return decode<T>(rows.text(0, 0), JsonMode::kStorage);
}

template <class T>
std::vector<T> decode_all(const Result& rows) {
  std::vector<T> result;
  result.reserve(rows.rows());
  for (int row = 0; row < rows.rows(); ++row) result.push_back(decode<T>(rows.text(row, 0), JsonMode::kStorage));
  return result;
}

}  // namespace

std::int64_t PgMetadataStore::version() {
  if (!version_) {
    Result row = db_.get().query("SELECT version FROM metadata_version");
    version_ = row.empty() ? 0 : row.int64(0, 0);
  }
  return *version_;
}

void PgMetadataStore::put_task_def(const TaskDef& def) {
  version_.reset();
  db_.get().query("INSERT INTO task_defs (name, json) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET json = $2",
                  def.name, encode(def, JsonMode::kStorage));
}

std::optional<TaskDef> PgMetadataStore::find_task_def(std::string_view name) {
  const std::int64_t at = version();
  if (auto cached = cache_.task_def(at, name)) return std::move(*cached);
  auto def = decode_first<TaskDef>(db_.get().query("SELECT json FROM task_defs WHERE name = $1", name));
  cache_.put_task_def(at, name, def);
  return def;
}

std::vector<TaskDef> PgMetadataStore::list_task_defs() {
  return decode_all<TaskDef>(db_.get().query("SELECT json FROM task_defs ORDER BY name COLLATE \"C\""));
}

bool PgMetadataStore::remove_task_def(std::string_view name) {
  version_.reset();
  return db_.get().query("DELETE FROM task_defs WHERE name = $1", name).affected() > 0;
}

void PgMetadataStore::put_workflow_def(const WorkflowDef& def) {
  version_.reset();
  db_.get().query(
      "INSERT INTO workflow_defs (name, version, json) VALUES ($1, $2, $3) "
      "ON CONFLICT (name, version) DO UPDATE SET json = $3",
      def.name, def.version, encode(def, JsonMode::kStorage));
}

std::optional<WorkflowDef> PgMetadataStore::find_workflow_def(std::string_view name, std::optional<int> version) {
  const std::int64_t at = this->version();
  if (auto cached = cache_.workflow_def(at, name, version)) return std::move(*cached);
  std::optional<WorkflowDef> def =
      version ? decode_first<WorkflowDef>(db_.get().query(
                    "SELECT json FROM workflow_defs WHERE name = $1 AND version = $2", name, *version))
              : decode_first<WorkflowDef>(db_.get().query(
                    "SELECT json FROM workflow_defs WHERE name = $1 ORDER BY version DESC LIMIT 1", name));
  cache_.put_workflow_def(at, name, version, def);
  return def;
}

std::vector<WorkflowDef> PgMetadataStore::list_workflow_defs() {
  return decode_all<WorkflowDef>(
      db_.get().query("SELECT json FROM workflow_defs ORDER BY name COLLATE \"C\", version"));
}

bool PgMetadataStore::remove_workflow_def(std::string_view name, int version) {
  version_.reset();
  return db_.get().query("DELETE FROM workflow_defs WHERE name = $1 AND version = $2", name, version).affected() > 0;
}

void PgMetadataStore::put_event_handler(const EventHandler& handler) {
  db_.get().query(
      "INSERT INTO event_handlers (name, json) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET json = $2",
      handler.name, encode(handler, JsonMode::kStorage));
}

std::optional<EventHandler> PgMetadataStore::find_event_handler(std::string_view name) {
  return decode_first<EventHandler>(db_.get().query("SELECT json FROM event_handlers WHERE name = $1", name));
}

std::vector<EventHandler> PgMetadataStore::list_event_handlers() {
  return decode_all<EventHandler>(db_.get().query("SELECT json FROM event_handlers ORDER BY name COLLATE \"C\""));
}

bool PgMetadataStore::remove_event_handler(std::string_view name) {
  return db_.get().query("DELETE FROM event_handlers WHERE name = $1", name).affected() > 0;
}

}  // namespace conductor::detail::pg
