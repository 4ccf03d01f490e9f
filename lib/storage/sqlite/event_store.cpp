#include "storage/sqlite/stores.hpp"

namespace conductor::detail {

bool SqliteEventStore::put_message(std::string_view key, const EventMessage& message) {
  return db_.get().execute(
             "INSERT INTO event_messages (key, event, message_id, payload, created) VALUES (?, ?, ?, ?, ?) "
             "ON CONFLICT DO NOTHING",
             key, message.event, message.message_id, message.payload, message.created) > 0;
}

std::optional<EventMessage> SqliteEventStore::find_message(std::string_view key) {
  ScopedStatement row =
      db_.get().query("SELECT event, message_id, payload, created FROM event_messages WHERE key = ?", key);
  if (!row->step()) return std::nullopt;
  return EventMessage{std::string(row->text(0)), std::string(row->text(1)), std::string(row->text(2)),
                      row->int64(3)};
}

bool SqliteEventStore::remove_message(std::string_view key) {
  return db_.get().execute("DELETE FROM event_messages WHERE key = ?", key) > 0;
}

bool SqliteEventStore::add_execution(const EventExecution& e) {
  std::optional<std::string_view> action;
  if (e.action) action = to_string(*e.action);
  return db_.get().execute(
             "INSERT INTO event_executions (handler_name, event, id, message_id, created, status, action, output) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
             e.name, e.event, e.id, e.message_id, e.created, to_string(e.status), action,
             to_json_text(Json(e.output))) > 0;
}

std::vector<EventExecution> SqliteEventStore::executions(std::string_view handler_name, std::string_view event,
                                                         std::optional<std::string_view> message_id, int max) {
  ScopedStatement rows = db_.get().query(
      "SELECT id, message_id, created, status, action, output FROM event_executions "
      "WHERE handler_name = ? AND event = ? AND (?3 IS NULL OR message_id = ?3) ORDER BY created, id LIMIT ?4",
      handler_name, event, message_id, max);
  std::vector<EventExecution> result;
  while (rows->step()) {
    EventExecution e;
    e.id = rows->text(0);
    e.message_id = rows->text(1);
    e.name = handler_name;
    e.event = event;
    e.created = rows->int64(2);
    e.status = parse_event_execution_status(rows->text(3)).value_or(EventExecutionStatus::kFailed);
    if (!rows->is_null(4)) e.action = parse_event_action_type(rows->text(4));
    e.output = parse_json_text(rows->text(5)).as_object();
    result.push_back(std::move(e));
  }
  return result;
}

}  // namespace conductor::detail
