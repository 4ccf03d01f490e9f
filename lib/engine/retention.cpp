#include "engine/retention.hpp"

#include <conductor/error.hpp>

#include "engine/engine_core.hpp"
#include "executor/change.hpp"

#include <string>
#include <vector>

namespace conductor::detail {

Retention::Retention(EngineCore& core, RetentionOptions options) : core_(core), options_(std::move(options)) {
  if (options_.batch_size < 1) throw ValidationError("retention batch_size must be at least 1");
}

int Retention::sweep() {
  if (!options_.max_age && options_.max_age_by_name.empty()) return 0;
  const EpochMillis now = core_.clock().now_ms();
  auto cutoff = [now](std::chrono::seconds age) { return now - std::chrono::milliseconds(age).count(); };
  // One query per definition with its own age, and one for every other definition.
  std::vector<EndedWorkflowQuery> queries;
  EndedWorkflowQuery others;
  for (const auto& [name, age] : options_.max_age_by_name) {
    others.except_names.push_back(name);
    if (age) queries.push_back({.ended_before = cutoff(*age), .name = name});
  }
  if (options_.max_age) {
    others.ended_before = cutoff(*options_.max_age);
    queries.push_back(std::move(others));
  }

  int removed = 0;
  for (auto& query : queries) {
    query.limit = options_.batch_size - removed;
    if (query.limit <= 0) break;
    const auto ids = core_.storage().begin(TransactionMode::kRead)->execution().ended_workflow_ids(query);
    for (const auto& id : ids) {
      try {
        run_change(core_, id, [&](Change& change) { core_.ops().remove(change, id, options_.archive); });
        ++removed;
      } catch (const std::exception& e) {
        // Left for the next round; one workflow that cannot go must not stop the others.
        core_.log(LogLevel::kWarning, "retention could not remove a workflow; it tries again next round",
                  {{"workflowId", id}, {"error", e.what()}});
      }
    }
  }
  return removed;
}

}  // namespace conductor::detail
