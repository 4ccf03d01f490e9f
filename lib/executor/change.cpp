#include "executor/change.hpp"

#include <algorithm>

#include "engine/engine_core.hpp"

namespace conductor::detail {

Change::Change(EngineCore& core)
    : core_(core), tx_(core.storage().begin(TransactionMode::kWrite)), now_(core.clock().now_ms()) {}

void Change::push(std::string_view queue, std::string_view id, int priority, std::int64_t delay_ms) {
  tx_->queues().push(queue, id, priority, now_ + std::max<std::int64_t>(delay_ms, 0));
  pushed_.emplace_back(queue, id);
  // Work the sweeper serves (decides, async system tasks) that is due now should not wait for its tick.
  if (delay_ms <= 0 && (queue == "_deciderQueue" || core_.registry().is_async_system(queue))) wake_sweeper_ = true;
}

void Change::taken(std::string_view queue, std::string_view id) {
  auto it = std::find_if(pushed_.begin(), pushed_.end(),
                         [&](const auto& pushed) { return pushed.first == queue && pushed.second == id; });
  if (it != pushed_.end()) pushed_.erase(it);
}

void Change::commit() {
  tx_->commit();
  if (!pushed_.empty()) {
    std::vector<std::string> queues;
    queues.reserve(pushed_.size());
    for (auto& [queue, id] : pushed_) queues.push_back(std::move(queue));
    core_.signal().notify(queues);
  }
  if (wake_sweeper_) core_.wake_sweeper();
  for (auto& action : after_commit_) action();
}

}  // namespace conductor::detail
