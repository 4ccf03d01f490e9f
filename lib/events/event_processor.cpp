#include "events/event_processor.hpp"

#include <conductor/codec.hpp>
#include <conductor/error.hpp>

#include "engine/engine_core.hpp"
#include "events/actions.hpp"
#include "executor/change.hpp"
#include "script/evaluator.hpp"

#include <set>
#include <string>

namespace conductor::detail {

namespace {

constexpr int kBatch = 32;

// The record's insert found one already: another delivery of the message applied this action first.
// Thrown from the change's writes, it rolls the whole change back.
struct AlreadyApplied {};

Json payload_of(const EventMessage& message) {
  try {
    return parse_json_text(message.payload);
  } catch (const ValidationError&) {
    return Json(message.payload);  // not JSON: the text itself, as Conductor hands it on
  }
}

// Conductor's ScriptEvaluator.toBoolean: true, or a number above zero.
bool truthy(const Json& value) {
  if (value.is_bool()) return value.as_bool();
  if (value.is_number()) return value.to_number<double>() > 0;
  return false;
}

bool condition_holds(const EventHandler& handler, const Json& payload) {
  if (!handler.condition || is_blank(*handler.condition)) return true;
  // Without a known evaluator Conductor runs the condition as JavaScript.
  std::string_view type = "javascript";
  if (handler.evaluator_type && is_evaluator(*handler.evaluator_type)) type = *handler.evaluator_type;
  const Json expanded = expand_inline_json(payload);
  static const JsonObject kEmpty;
  return truthy(evaluate(type, *handler.condition, expanded.is_object() ? expanded.as_object() : kEmpty));
}

EventExecution record_for(const EventHandler& handler, const EventMessage& message, std::size_t index,
                          std::int64_t now) {
  EventExecution e;
  e.id = message.message_id + "_" + std::to_string(index);
  e.message_id = message.message_id;
  e.name = handler.name;
  e.event = handler.event;
  e.created = now;
  return e;
}

}  // namespace

int EventProcessor::process_due() {
  int handled = 0;
  for (;;) {
    auto deliveries = queue_.consume(kBatch);
    for (const auto& delivery : deliveries) {
      try {
        if (!handle(delivery.message)) continue;
        queue_.ack(delivery);
        ++handled;
      } catch (const std::exception& e) {
        core_.log(LogLevel::kError, "an event could not be handled; it is delivered again after its unack timeout",
                  {{"event", delivery.message.event}, {"messageId", delivery.message.message_id}, {"error", e.what()}});
      }
    }
    if (static_cast<int>(deliveries.size()) < kBatch) return handled;
  }
}

bool EventProcessor::handle(const EventMessage& message) {
  const auto handlers = core_.metadata().event_handlers_for(message.event, true);
  if (handlers.empty()) return true;
  const Json payload = payload_of(message);
  bool complete = true;
  // Writes a record of its own: a skipped handler, or an action that failed without effect.
  auto record = [&](const EventExecution& e) {
    run_in_writer(core_, [&](Transaction& tx, AfterCommit&) { tx.events().add_execution(e); });
  };
  for (const auto& handler : handlers) {
    try {
      if (!condition_holds(handler, payload)) {
        auto skipped = record_for(handler, message, 0, core_.clock().now_ms());
        skipped.status = EventExecutionStatus::kSkipped;
        skipped.output = {{"msg", message.payload}, {"condition", *handler.condition}};
        record(skipped);
        continue;
      }
    } catch (const std::exception& e) {
      // A condition that cannot be evaluated will not be evaluable on a redelivery either.
      auto failed = record_for(handler, message, 0, core_.clock().now_ms());
      failed.status = EventExecutionStatus::kFailed;
      failed.output = {{"condition", *handler.condition}, {"exception", e.what()}};
      record(failed);
      continue;
    }
    std::set<std::string> recorded;
    {
      auto tx = core_.storage().begin(TransactionMode::kRead);
      for (auto& e : tx->events().executions(handler.name, handler.event, message.message_id,
                                             static_cast<int>(handler.actions.size()) + 1))
        recorded.insert(std::move(e.id));
    }
    for (std::size_t i = 0; i < handler.actions.size(); ++i) {
      const EventAction& action = handler.actions[i];
      auto done = record_for(handler, message, i, core_.clock().now_ms());
      done.action = action.action;
      if (recorded.contains(done.id)) continue;
      try {
        PreparedAction prepared(action, payload, message);
        run_change(core_, prepared.workflow_id().value_or(""), [&](Change& change) {
          done.output = prepared.apply(change, core_.ops());
          done.status = EventExecutionStatus::kCompleted;
          change.write([done](Transaction& tx) {
            if (!tx.events().add_execution(done)) throw AlreadyApplied{};
          });
        });
      } catch (const AlreadyApplied&) {
      } catch (const UnavailableError& e) {
        complete = false;
        core_.log(LogLevel::kWarning, "an event action met a transient error; the event is delivered again",
                  {{"handler", handler.name}, {"messageId", message.message_id}, {"error", e.what()}});
      } catch (const std::exception& e) {
        done.status = EventExecutionStatus::kFailed;
        done.output = {{"exception", e.what()}};
        record(done);
      }
    }
  }
  return complete;
}

}  // namespace conductor::detail
