#include "session.hpp"

#include "engine_core.hpp"

namespace conductor::detail {

Session::Session(EngineCore& core)
    : core_(core), tx_(core.storage().begin(TransactionMode::kWrite)), now_(core.clock().now_ms()) {}

void Session::push(std::string_view queue, std::string_view id, int priority, std::int64_t delay_ms) {
  tx_->queues().push(queue, id, priority, now_ + std::max<std::int64_t>(delay_ms, 0));
  pushed_.emplace_back(queue);
  // Work the sweeper serves (decides, async system tasks) that is due now should not wait for its tick.
  if (delay_ms <= 0 && (queue == "_deciderQueue" || core_.registry().is_async_system(queue))) wake_sweeper_ = true;
}

void Session::commit() {
  tx_->commit();
  if (!pushed_.empty()) core_.signal().notify(pushed_);
  if (wake_sweeper_) core_.wake_sweeper();
  for (auto& action : after_commit_) action();
}

}  // namespace conductor::detail
