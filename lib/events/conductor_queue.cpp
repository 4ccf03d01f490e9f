#include "events/conductor_queue.hpp"

#include "engine/engine_core.hpp"
#include "executor/change.hpp"
#include "util/uuid.hpp"

namespace conductor::detail {

namespace {

void store(Transaction& tx, const std::string& key, const EventMessage& message) {
  // A message stored already keeps its delivery; pushing the new key would deliver nothing.
  if (tx.events().put_message(key, message)) tx.queues().push(ConductorEventQueue::kQueue, key, 0, message.created);
}

}  // namespace

void ConductorEventQueue::publish(Change& change, const EventMessage& message) {
  change.write([key = new_uuid(), message](Transaction& tx) { store(tx, key, message); });
  change.after_commit([&core = change.core()] { core.wake_sweeper(); });
}

void ConductorEventQueue::publish(const EventMessage& message) {
  run_in_writer(core_, [&](Transaction& tx, AfterCommit& after) {
    store(tx, new_uuid(), message);
    after.run([this] { core_.wake_sweeper(); });
  });
}

std::vector<EventDelivery> ConductorEventQueue::consume(int max) {
  return run_in_writer(core_, [&](Transaction& tx, AfterCommit&) {
    std::vector<EventDelivery> deliveries;
    for (auto& key : tx.queues().pop(kQueue, max, core_.clock().now_ms(), core_.settings().default_unack_ms)) {
      if (auto message = tx.events().find_message(key)) {
        deliveries.push_back({std::move(key), std::move(*message)});
      } else {
        tx.queues().remove(kQueue, key);  // its message is gone: nothing left to deliver
      }
    }
    return deliveries;
  });
}

void ConductorEventQueue::ack(const EventDelivery& delivery) {
  run_in_writer(core_, [&](Transaction& tx, AfterCommit&) {
    tx.events().remove_message(delivery.receipt);
    tx.queues().remove(kQueue, delivery.receipt);
  });
}

}  // namespace conductor::detail
