#include "engine/retention.hpp"

#include <conductor/error.hpp>

#include "engine/engine_core.hpp"
#include "executor/change.hpp"

#include <algorithm>
#include <span>
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
    for (std::size_t first = 0; first < ids.size(); first += kRemovalsPerChange) {
      const std::span<const std::string> group(ids.data() + first, std::min(kRemovalsPerChange, ids.size() - first));
      removed += remove(group);
    }
  }
  more_due_ = removed >= options_.batch_size;
  return removed;
}

int Retention::remove(std::span<const std::string> ids) {
  try {
    // No workflow lock: ended workflows rarely change, and one that a retry or rerun moved meanwhile
    // fails the change's version check, which computes the group again from fresh state.
    run_change(core_, "", [&](Change& change) {
      for (const auto& id : ids) core_.ops().remove(change, id, options_.archive);
    });
    return static_cast<int>(ids.size());
  } catch (const std::exception& e) {
    if (ids.size() == 1) {
      // Left for the next round.
      core_.log(LogLevel::kWarning, "retention could not remove a workflow; it tries again next round",
                {{"workflowId", ids.front()}, {"error", e.what()}});
      return 0;
    }
  }
  // One workflow that cannot go must not keep the others: each on its own, to find it.
  int removed = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) removed += remove(ids.subspan(i, 1));
  return removed;
}

}  // namespace conductor::detail
