#include <conductor/codec.hpp>

#include "storage/postgres/stores.hpp"

namespace conductor::detail::pg {

bool PgEventStore::put_message(std::string_view key, const EventMessage& message) {
  return db_.get()
             .query("INSERT INTO event_messages (key, event, message_id, payload, created) "
                    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    key, message.event, message.message_id, message.payload, message.created)
             .affected() > 0;
}

std::optional<EventMessage> PgEventStore::find_message(std::string_view key) {
  Result row = db_.get().query("SELECT event, message_id, payload, created FROM event_messages WHERE key = $1", key);
  if (row.empty()) return std::nullopt;
  return EventMessage{std::string(row.text(0, 0)), std::string(row.text(0, 1)), std::string(row.text(0, 2)),
                      row.int64(0, 3)};
}

bool PgEventStore::remove_message(std::string_view key) {
  return db_.get().query("DELETE FROM event_messages WHERE key = $1", key).affected() > 0;
}

bool PgEventStore::add_execution(const EventExecution& e) {
  std::optional<std::string_view> action;
  if (e.action) action = to_string(*e.action);
  return db_.get()
             .query("INSERT INTO event_executions (handler_name, event, id, message_id, created, status, action, output) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                    e.name, e.event, e.id, e.message_id, e.created, to_string(e.status), action,
                    to_json_text(Json(e.output)))
             .affected() > 0;
}

std::vector<EventExecution> PgEventStore::executions(std::string_view handler_name, std::string_view event,
                                                     std::optional<std::string_view> message_id, int max) {
  Result rows = db_.get().query(
      "SELECT id, message_id, created, status, action, output FROM event_executions "
      "WHERE handler_name = $1 AND event = $2 AND ($3::text IS NULL OR message_id = $3::text) "
      "ORDER BY created, id COLLATE \"C\" LIMIT $4",
      handler_name, event, message_id, static_cast<std::int64_t>(max));
  std::vector<EventExecution> result;
  for (int row = 0; row < rows.rows(); ++row) {
    EventExecution e;
    e.id = rows.text(row, 0);
    e.message_id = rows.text(row, 1);
    e.name = handler_name;
    e.event = event;
    e.created = rows.int64(row, 2);
    e.status = parse_event_execution_status(rows.text(row, 3)).value_or(EventExecutionStatus::kFailed);
    if (!rows.is_null(row, 4)) e.action = parse_event_action_type(rows.text(row, 4));
    e.output = parse_json_text(rows.text(row, 5)).as_object();
    result.push_back(std::move(e));
  }
  return result;
}

}  // namespace conductor::detail::pg
