#include "engine/engine_core.hpp"
#include "engine/queue_signal.hpp"

#include <conductor/storage/sqlite.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using conductor::detail::QueueSignal;
using namespace std::chrono_literals;

namespace {

/// Records how a callback fired; fails the test if it fires twice.
struct Fired {
  int times = 0;
  QueueSignal::Wake wake = QueueSignal::Wake::kPushed;
  QueueSignal::Callback callback() {
    return [this](QueueSignal::Wake w) {
      ++times;
      wake = w;
    };
  }
};

/// A signal of a process whose queues others share: what it passes to them is recorded.
struct SharedSignal {
  QueueSignal signal;
  std::vector<std::string> elsewhere;
  SharedSignal() {
    signal.set_elsewhere([this](const std::string& queue) { elsewhere.push_back(queue); });
  }
};

}  // namespace

TEST_CASE("queue signal: a callback fires once, at the next push to its queue", "[unit]") {
  QueueSignal signal;
  Fired a;
  Fired b;
  signal.add_waiter("q", a.callback());
  signal.add_waiter("other", b.callback());
  CHECK(a.times == 0);
  signal.notify({"q"});
  CHECK(a.times == 1);
  CHECK(a.wake == QueueSignal::Wake::kPushed);
  signal.notify({"q"});
  CHECK(a.times == 1);
  CHECK(b.times == 0);
}

TEST_CASE("queue signal: one push wakes one waiter, the oldest first", "[unit]") {
  QueueSignal signal;
  Fired first;
  Fired second;
  Fired third;
  signal.add_waiter("q", first.callback());
  signal.add_waiter("q", second.callback());
  signal.add_waiter("q", third.callback());
  signal.notify({"q"});
  CHECK(first.times == 1);
  CHECK(second.times == 0);
  signal.notify({"q", "q"});  // two messages in one commit
  CHECK(second.times == 1);
  CHECK(third.times == 1);
}

TEST_CASE("queue signal: a cancelled callback never fires, cancel says whether it won", "[unit]") {
  QueueSignal signal;
  Fired cancelled;
  Fired kept;
  const auto id = signal.add_waiter("q", cancelled.callback());
  const auto fired_id = signal.add_waiter("q", kept.callback());
  CHECK(signal.cancel("q", id));
  CHECK_FALSE(signal.cancel("q", id));
  signal.notify({"q"});
  CHECK(cancelled.times == 0);
  CHECK(kept.times == 1);
  CHECK_FALSE(signal.cancel("q", fired_id));
}

TEST_CASE("queue signal: interrupt and wake_all fire every callback and release blocked waiters", "[unit]") {
  const bool interrupting = GENERATE(true, false);
  QueueSignal signal;
  Fired a;
  Fired b;
  signal.add_waiter("q", a.callback());
  signal.add_waiter("r", b.callback());
  auto ticket = signal.ticket("q");
  // wait() says false when interrupted; wake_all() wakes as a push does.
  std::thread blocked([&] { CHECK(signal.wait(ticket, std::chrono::steady_clock::now() + 60s) != interrupting); });
  if (interrupting) {
    signal.interrupt();
  } else {
    signal.wake_all();
  }
  blocked.join();
  CHECK(a.times == 1);
  CHECK(a.wake == (interrupting ? QueueSignal::Wake::kInterrupted : QueueSignal::Wake::kPushed));
  CHECK(b.times == 1);
}

TEST_CASE("queue signal: on_waiting hears when the first waiter comes and the last one leaves", "[unit]") {
  QueueSignal signal;
  std::vector<bool> heard;
  signal.set_on_waiting([&](bool waiting) { heard.push_back(waiting); });
  Fired fired;
  const auto id = signal.add_waiter("q", fired.callback());
  {
    auto ticket = signal.ticket("r");
    signal.add_waiter("s", fired.callback());
    CHECK(heard == std::vector<bool>{true});
    signal.notify({"q"});
    CHECK(signal.cancel("q", id) == false);
  }
  CHECK(heard == std::vector<bool>{true});  // the callback on "s" still waits
  signal.wake_all();
  CHECK(heard == std::vector<bool>{true, false});
  auto ticket = signal.ticket("q");
  signal.interrupt();
  CHECK(heard == std::vector<bool>{true, false, true});
}

TEST_CASE("queue signal: an interrupt before a backdated ticket still releases its wait", "[unit]") {
  QueueSignal signal;
  const auto seen = signal.interrupts();
  signal.interrupt();  // while the waiter looked at its queue without a ticket
  auto ticket = signal.ticket("q", seen);
  CHECK_FALSE(signal.wait(ticket, std::chrono::steady_clock::now() + 60s));
  auto current = signal.ticket("q");
  CHECK(signal.wait(current, std::chrono::steady_clock::now()));  // times out: nothing came
}

TEST_CASE("queue signal: a push between the ticket and the wait is not lost", "[unit]") {
  QueueSignal signal;
  auto ticket = signal.ticket("q");
  signal.notify({"q"});
  // Returns at once (true: not interrupted), long before the deadline.
  CHECK(signal.wait(ticket, std::chrono::steady_clock::now() + 60s));
}

TEST_CASE("queue signal: a queue's state lives only while someone waits on it", "[unit]") {
  QueueSignal signal;
  SECTION("pushes to queues nobody waits on leave nothing") {
    for (int i = 0; i < 1000; ++i) signal.notify({"made-up-" + std::to_string(i)});
    CHECK(signal.size() == 0);
  }
  SECTION("tickets of made-up queues are released with the ticket") {
    for (int i = 0; i < 1000; ++i) {
      auto ticket = signal.ticket("made-up-" + std::to_string(i));
      CHECK(signal.wait(ticket, std::chrono::steady_clock::now()));
    }
    CHECK(signal.size() == 0);
  }
  SECTION("callbacks leave nothing once fired, cancelled or interrupted") {
    Fired fired;
    std::vector<std::uint64_t> ids;
    for (int i = 0; i < 1000; ++i) ids.push_back(signal.add_waiter("made-up-" + std::to_string(i), fired.callback()));
    CHECK(signal.size() == 1000);
    for (int i = 0; i < 300; ++i) signal.notify({"made-up-" + std::to_string(i)});
    for (int i = 300; i < 600; ++i) CHECK(signal.cancel("made-up-" + std::to_string(i), ids[static_cast<std::size_t>(i)]));
    CHECK(signal.size() == 400);
    signal.interrupt();
    CHECK(signal.size() == 0);
    CHECK(fired.times == 700);
  }
  SECTION("a ticket and a callback on one queue keep it until both are gone") {
    auto ticket = std::make_unique<QueueSignal::Ticket>(signal.ticket("q"));
    Fired fired;
    signal.add_waiter("q", fired.callback());
    signal.notify({"q"});
    CHECK(signal.size() == 1);
    ticket.reset();
    CHECK(signal.size() == 0);
  }
}

TEST_CASE("queue signal: polling made-up task types leaves the engine's table empty", "[unit]") {
  conductor::detail::EngineCore core({.storage = conductor::open_sqlite({}), .background = false});
  for (int i = 0; i < 500; ++i) {
    const std::string type = "made-up-" + std::to_string(i);
    CHECK(core.queue().batch_poll(type, "w", {}, 1, 1ms).empty());
    CHECK(core.queue().batch_poll(type, "w", std::string_view("domain"), 1, 0ms).empty());
    auto waiter = core.queue().wait_for_push(type, {}, [](bool) {});
    if (i % 2 == 0) CHECK(waiter.cancel());  // the others are withdrawn as they go out of scope
  }
  CHECK(core.signal().size() == 0);
}

TEST_CASE("queue signal: a fired callback withdrawn with hand_over passes its wake-up on", "[unit]") {
  QueueSignal signal;
  Fired leaving;
  Fired next;
  const auto id = signal.add_waiter("q", leaving.callback());
  signal.add_waiter("q", next.callback());
  signal.notify({"q"});
  CHECK(leaving.times == 1);
  CHECK(next.times == 0);
  CHECK_FALSE(signal.cancel("q", id, true));
  CHECK(next.times == 1);
  CHECK(signal.size() == 0);
  CHECK_FALSE(signal.cancel("q", id, true));  // nobody left to wake: nothing is kept
  CHECK(signal.size() == 0);
}

TEST_CASE("queue signal: a reserved callback waits for its own push", "[unit]") {
  SharedSignal shared;
  auto& [signal, elsewhere] = shared;
  Fired reserved;
  Fired next;
  signal.add_waiter("q", reserved.callback());
  signal.add_waiter("q", next.callback());
  const auto id = signal.reserve("q");
  REQUIRE(id);

  SECTION("other pushes meanwhile wake the others, then delivery fires it") {
    signal.notify({"q"});
    CHECK(reserved.times == 0);
    CHECK(next.times == 1);
    CHECK_FALSE(signal.reserve("q"));  // nobody left to set aside
    signal.deliver("q", *id);
    CHECK(reserved.times == 1);
    CHECK(reserved.wake == QueueSignal::Wake::kPushed);
    CHECK(elsewhere.empty());
    CHECK_FALSE(signal.cancel("q", *id));  // its poll withdraws once done
    CHECK(signal.size() == 0);
  }
  SECTION("a push that did not commit puts it back in its place, ahead of younger ones") {
    signal.restore("q", *id);
    signal.notify({"q"});
    CHECK(reserved.times == 1);
    CHECK(next.times == 0);
  }
  SECTION("when its waiter leaves before delivery, the push wakes another waiter here") {
    CHECK(signal.cancel("q", *id));
    signal.deliver("q", *id);
    CHECK(reserved.times == 0);
    CHECK(next.times == 1);
    CHECK(elsewhere.empty());
  }
  SECTION("when no waiter here is left, the push goes elsewhere") {
    CHECK(signal.cancel("q", *id));
    signal.notify({"q"});
    signal.deliver("q", *id);
    CHECK(reserved.times == 0);
    CHECK(elsewhere == std::vector<std::string>{"q"});
    CHECK(signal.size() == 0);
  }
  SECTION("interrupt fires it too") {
    signal.interrupt();
    CHECK(reserved.times == 1);
    CHECK(reserved.wake == QueueSignal::Wake::kInterrupted);
    signal.deliver("q", *id);
    signal.restore("q", *id);
    CHECK(reserved.times == 1);
  }
}

TEST_CASE("queue signal: a hand-over of an unannounced push nobody here takes goes elsewhere", "[unit]") {
  SharedSignal shared;
  auto& [signal, elsewhere] = shared;
  Fired reserved;
  Fired notified;
  const auto reserved_id = signal.add_waiter("q", reserved.callback());
  REQUIRE(signal.reserve("q") == reserved_id);
  signal.deliver("q", reserved_id);
  const auto notified_id = signal.add_waiter("q", notified.callback());
  signal.notify({"q"});  // a push its commit announced, or another process's
  CHECK(reserved.times == 1);
  CHECK(notified.times == 1);
  CHECK_FALSE(signal.cancel("q", notified_id, true));
  CHECK(elsewhere.empty());  // the others were told already
  CHECK_FALSE(signal.cancel("q", reserved_id, true));
  CHECK(elsewhere == std::vector<std::string>{"q"});
  CHECK(signal.size() == 0);
}

TEST_CASE("queue signal: an unannounced wake-up passed on here stays unannounced", "[unit]") {
  SharedSignal shared;
  auto& [signal, elsewhere] = shared;
  Fired leaving;
  Fired next;
  const auto leaving_id = signal.add_waiter("q", leaving.callback());
  const auto next_id = signal.add_waiter("q", next.callback());
  REQUIRE(signal.reserve("q") == leaving_id);
  CHECK(signal.cancel("q", leaving_id));
  signal.deliver("q", leaving_id);
  CHECK(next.times == 1);
  CHECK(elsewhere.empty());
  CHECK_FALSE(signal.cancel("q", next_id, true));
  CHECK(elsewhere == std::vector<std::string>{"q"});
  CHECK(signal.size() == 0);
}
