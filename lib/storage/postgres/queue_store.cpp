#include "storage/postgres/stores.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

// Pops lock the rows they hand out with FOR UPDATE SKIP LOCKED: a message another transaction is
// popping (in this process or another) is skipped instead of waited for, and never handed out twice.
namespace conductor::detail::pg {
namespace {

/// Queues whose names start with `_` are the engine's own (the decider queue); every process's
/// sweeper finds their due messages on its own, so pushes to them notify nobody.
bool notifies(std::string_view queue) { return !queue.starts_with('_'); }

std::vector<std::string> message_ids(const Result& rows) {
  std::vector<std::string> ids;
  ids.reserve(rows.rows());
  for (int row = 0; row < rows.rows(); ++row) ids.emplace_back(rows.text(row, 0));
  return ids;
}

}  // namespace

void PgQueueStore::push(std::string_view queue, std::string_view id, int priority, std::int64_t visible_at) {
  db_.get().send(
      "INSERT INTO queue_messages (queue, message_id, priority, visible_at) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (queue, message_id) DO UPDATE SET visible_at = excluded.visible_at, popped = false",
      queue, id, priority, visible_at);
  if (notifies(queue)) db_.pushed().emplace(queue);
}

bool PgQueueStore::push_if_absent(std::string_view queue, std::string_view id, int priority,
                                  std::int64_t visible_at) {
  const bool pushed = db_.get()
                          .query("INSERT INTO queue_messages (queue, message_id, priority, visible_at) "
                                 "VALUES ($1, $2, $3, $4) ON CONFLICT (queue, message_id) DO NOTHING",
                                 queue, id, priority, visible_at)
                          .affected() > 0;
  if (pushed && notifies(queue)) db_.pushed().emplace(queue);
  return pushed;
}

std::vector<std::string> PgQueueStore::pop(std::string_view queue, int count, std::int64_t now_ms,
                                           std::int64_t unack_ms) {
  if (count <= 0) return {};
  Result rows = db_.get().query(
      "WITH picked AS (SELECT seq, message_id, priority, visible_at FROM queue_messages "
      "  WHERE queue = $1 AND visible_at <= $2 ORDER BY priority DESC, visible_at, seq LIMIT $3 "
      "  FOR UPDATE SKIP LOCKED), "
      "taken AS (UPDATE queue_messages m SET popped = true, visible_at = $4 FROM picked WHERE m.seq = picked.seq) "
      "SELECT message_id FROM picked ORDER BY priority DESC, visible_at, seq",
      queue, now_ms, count, now_ms + unack_ms);
  return message_ids(rows);
}

std::vector<std::string> PgQueueStore::take(std::string_view queue, int count, std::int64_t now_ms) {
  if (count <= 0) return {};
  // One statement instead of a pop and a delete per message; DELETE ... RETURNING keeps no order,
  // so the outer SELECT restores pop's.
  static const std::string sql =
      std::string(kTakeMessages) + "SELECT message_id FROM taken ORDER BY priority DESC, visible_at, seq";
  Result rows = db_.get().query(sql, queue, now_ms, count);
  return message_ids(rows);
}

void PgQueueStore::remove(std::string_view queue, std::string_view id) {
  db_.get().send("DELETE FROM queue_messages WHERE queue = $1 AND message_id = $2", queue, id);
}

void PgQueueStore::set_visible_at(std::string_view queue, std::string_view id, std::int64_t visible_at) {
  db_.get().send("UPDATE queue_messages SET visible_at = $3 WHERE queue = $1 AND message_id = $2", queue, id,
                 visible_at);
}

void PgQueueStore::set_visible_at_if_earlier(std::string_view queue, std::string_view id, std::int64_t visible_at) {
  // Only an earlier time writes: an update that keeps the value still writes a new row version.
  db_.get().send("UPDATE queue_messages SET visible_at = $3 WHERE queue = $1 AND message_id = $2 AND visible_at > $3",
                 queue, id, visible_at);
}

bool PgQueueStore::contains(std::string_view queue, std::string_view id) {
  static constexpr std::string_view kFind = "SELECT 1 FROM queue_messages WHERE queue = $1 AND message_id = $2";
  // A write transaction locks what it found, so its answer holds until it commits: two transactions
  // acknowledging one message cannot both see it (the second waits, then finds it gone).
  static const std::string kFindAndLock = std::string(kFind) + " FOR UPDATE";
  return !db_.get().query(db_.write() ? std::string_view(kFindAndLock) : kFind, queue, id).empty();
}

std::int64_t PgQueueStore::size(std::string_view queue) {
  return db_.get().query("SELECT count(*) FROM queue_messages WHERE queue = $1", queue).int64(0, 0);
}

std::map<std::string, QueueCounts> PgQueueStore::all_sizes() {
  Result rows = db_.get().query(
      "SELECT queue, count(*) FILTER (WHERE NOT popped), count(*) FILTER (WHERE popped) FROM queue_messages "
      "GROUP BY queue");
  std::map<std::string, QueueCounts> result;
  for (int row = 0; row < rows.rows(); ++row) {
    result.emplace(std::string(rows.text(row, 0)), QueueCounts{rows.int64(row, 1), rows.int64(row, 2)});
  }
  return result;
}

void PgQueueStore::flush(std::string_view queue) {
  db_.get().send("DELETE FROM queue_messages WHERE queue = $1", queue);
}

std::optional<std::int64_t> PgQueueStore::next_visible_at(std::string_view queue) {
  const auto times = next_visible_times({std::string(queue)});
  if (times.empty()) return std::nullopt;
  return times.begin()->second;
}

std::map<std::string, std::int64_t, std::less<>> PgQueueStore::next_visible_times(
    const std::vector<std::string>& queues) {
  // The pop index orders a queue by priority first, so min(visible_at) over a whole queue reads
  // every message of it, and a decider queue holds one per running workflow (200,000 of them: a
  // tenth of a second). Walking the queue's distinct priorities from the top and taking the first
  // entry of each is a few index seeks per priority instead.
  static constexpr std::string_view kWalk =
      "WITH RECURSIVE asked AS (SELECT json_array_elements_text($1::json) AS queue), "
      "levels AS (SELECT queue, (SELECT max(m.priority) FROM queue_messages m WHERE m.queue = asked.queue) AS priority "
      "  FROM asked "
      "  UNION ALL SELECT queue, (SELECT max(m.priority) FROM queue_messages m "
      "    WHERE m.queue = levels.queue AND m.priority < levels.priority) "
      "  FROM levels WHERE priority IS NOT NULL) "
      "SELECT queue, min((SELECT min(m.visible_at) FROM queue_messages m "
      "  WHERE m.queue = levels.queue AND m.priority = levels.priority)) "
      "FROM levels WHERE priority IS NOT NULL GROUP BY queue";
  boost::json::array names;
  for (const std::string& queue : queues) names.emplace_back(queue);
  Result rows = db_.get().query(kWalk, boost::json::serialize(names));
  std::map<std::string, std::int64_t, std::less<>> times;
  for (int row = 0; row < rows.rows(); ++row) times.emplace(std::string(rows.text(row, 0)), rows.int64(row, 1));
  return times;
}

}  // namespace conductor::detail::pg
