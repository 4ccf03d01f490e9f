#include <limits>

#include "storage/sqlite/stores.hpp"

// Pop and next_visible_at walk the queue's distinct priorities from the top, seeking each one's
// visible range in the (queue, priority, visible_at) index. A single ORDER BY priority query would
// scan every delayed message of the higher priorities first, and a decider queue holds one delayed
// message per running workflow.
namespace conductor::detail {
namespace {

constexpr std::int64_t kAbovePriorities = std::numeric_limits<std::int64_t>::max();

}  // namespace

std::optional<int> SqliteQueueStore::next_priority(std::string_view queue, std::int64_t below) {
  ScopedStatement row = db_.get().query(
      "SELECT priority FROM queue_messages WHERE queue = ? AND priority < ? ORDER BY priority DESC LIMIT 1", queue,
      below);
  if (!row->step()) {
    return std::nullopt;
  }
  return row->integer(0);
}

void SqliteQueueStore::push(std::string_view queue, std::string_view id, int priority, std::int64_t visible_at) {
  db_.get().execute(
      "INSERT INTO queue_messages (queue, message_id, priority, visible_at) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (queue, message_id) DO UPDATE SET visible_at = excluded.visible_at, popped = 0",
      queue, id, priority, visible_at);
}

bool SqliteQueueStore::push_if_absent(std::string_view queue, std::string_view id, int priority,
                                      std::int64_t visible_at) {
  return db_.get().execute(
             "INSERT INTO queue_messages (queue, message_id, priority, visible_at) VALUES (?, ?, ?, ?) "
             "ON CONFLICT (queue, message_id) DO NOTHING",
             queue, id, priority, visible_at) > 0;
}

std::vector<std::string> SqliteQueueStore::visible(std::string_view queue, int count, std::int64_t now_ms) {
  Connection& db = db_.get();
  std::vector<std::string> ids;
  std::int64_t below = kAbovePriorities;
  while (static_cast<int>(ids.size()) < count) {
    std::optional<int> priority = next_priority(queue, below);
    if (!priority) {
      break;
    }
    ScopedStatement rows = db.query(
        "SELECT message_id FROM queue_messages WHERE queue = ? AND priority = ? AND visible_at <= ? "
        "ORDER BY visible_at, seq LIMIT ?",
        queue, *priority, now_ms, count - static_cast<int>(ids.size()));
    while (rows->step()) {
      ids.emplace_back(rows->text(0));
    }
    below = *priority;
  }
  return ids;
}

std::vector<std::string> SqliteQueueStore::pop(std::string_view queue, int count, std::int64_t now_ms,
                                               std::int64_t unack_ms) {
  std::vector<std::string> ids = visible(queue, count, now_ms);
  for (const std::string& id : ids) {
    db_.get().execute("UPDATE queue_messages SET popped = 1, visible_at = ? WHERE queue = ? AND message_id = ?",
                      now_ms + unack_ms, queue, id);
  }
  return ids;
}

std::vector<std::string> SqliteQueueStore::take(std::string_view queue, int count, std::int64_t now_ms) {
  std::vector<std::string> ids = visible(queue, count, now_ms);
  for (const std::string& id : ids) remove(queue, id);
  return ids;
}

void SqliteQueueStore::remove(std::string_view queue, std::string_view id) {
  db_.get().execute("DELETE FROM queue_messages WHERE queue = ? AND message_id = ?", queue, id);
}

void SqliteQueueStore::set_visible_at(std::string_view queue, std::string_view id, std::int64_t visible_at) {
  db_.get().execute("UPDATE queue_messages SET visible_at = ? WHERE queue = ? AND message_id = ?", visible_at, queue,
                    id);
}

void SqliteQueueStore::set_visible_at_if_earlier(std::string_view queue, std::string_view id,
                                                 std::int64_t visible_at) {
  db_.get().execute("UPDATE queue_messages SET visible_at = ?1 WHERE queue = ?2 AND message_id = ?3 AND visible_at > ?1",
                    visible_at, queue, id);
}

bool SqliteQueueStore::contains(std::string_view queue, std::string_view id) {
  ScopedStatement row = db_.get().query("SELECT 1 FROM queue_messages WHERE queue = ? AND message_id = ?", queue, id);
  return row->step();
}

std::int64_t SqliteQueueStore::size(std::string_view queue) {
  ScopedStatement row = db_.get().query("SELECT count(*) FROM queue_messages WHERE queue = ?", queue);
  row->step();
  return row->int64(0);
}

std::map<std::string, QueueCounts> SqliteQueueStore::all_sizes() {
  ScopedStatement rows =
      db_.get().query("SELECT queue, sum(popped = 0), sum(popped) FROM queue_messages GROUP BY queue");
  std::map<std::string, QueueCounts> result;
  while (rows->step()) {
    result.emplace(std::string(rows->text(0)), QueueCounts{rows->int64(1), rows->int64(2)});
  }
  return result;
}

void SqliteQueueStore::flush(std::string_view queue) {
  db_.get().execute("DELETE FROM queue_messages WHERE queue = ?", queue);
}

std::optional<std::int64_t> SqliteQueueStore::next_visible_at(std::string_view queue) {
  Connection& db = db_.get();
  std::optional<std::int64_t> earliest;
  for (std::optional<int> priority = next_priority(queue, kAbovePriorities); priority;
       priority = next_priority(queue, *priority)) {
    ScopedStatement row =
        db.query("SELECT min(visible_at) FROM queue_messages WHERE queue = ? AND priority = ?", queue, *priority);
    row->step();
    std::int64_t visible_at = row->int64(0);
    if (!earliest || visible_at < *earliest) {
      earliest = visible_at;
    }
  }
  return earliest;
}

}  // namespace conductor::detail
