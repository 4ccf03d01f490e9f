#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace conductor::detail {

/// Wakes long polls when their queue receives a message: one waiter per message pushed, so a push
/// does not wake every poller of every queue only for all but one to find nothing.
///
/// Two kinds of waiter: a thread blocked in wait() holding a Ticket, and a callback registered with
/// add_waiter() that fires once (an event loop parks a poll this way and holds no thread). Queue
/// names come from clients, so the state of a queue exists only while someone holds a ticket or a
/// callback for it; a push to a queue nobody waits on costs no memory.
///
/// When other processes share the queues, a push this process commits can be set aside for one of
/// its own parked callbacks (reserve(), then deliver() once committed), so the others need not be
/// woken for it. A wake-up that then finds no waiter here goes to them through `elsewhere`.
///
/// Such processes learn of each other's pushes only while they wait for them: `on_waiting` hears
/// when this process's first waiter comes and when its last one leaves, and wake_all() makes every
/// waiter look again when pushes may have gone unheard.
///
/// Thread-safe. Callbacks run on the notifying (or interrupting) thread after the lock is released,
/// never inside add_waiter() or cancel().
class QueueSignal {
  struct Queue;

 public:
  /// Why a callback fired.
  enum class Wake { kPushed, kInterrupted };
  using Callback = std::function<void(Wake)>;

  /// What a blocked waiter has seen: taken before looking at the queue, so no notification is lost
  /// between the look and the wait. Keeps the queue's state alive while held; move-only.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept { *this = std::move(other); }
    Ticket& operator=(Ticket&& other) noexcept;
    ~Ticket() { release(); }
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

   private:
    friend class QueueSignal;
    void release() noexcept;

    QueueSignal* signal_ = nullptr;
    Queue* queue_ = nullptr;
    std::uint64_t version_ = 0;
    std::uint64_t interrupts_ = 0;
  };

  /// `elsewhere(queue)` tells the other processes sharing the queues of a wake-up nobody here took
  /// that they were not told of. Set before any waiter exists.
  void set_elsewhere(std::function<void(const std::string& queue)> elsewhere);

  /// `on_waiting(true)` when a queue gets its first waiter while none had any, `on_waiting(false)`
  /// when the last waiter of all leaves; called in that order, under the lock (keep it short). Set
  /// before any waiter exists.
  void set_on_waiting(std::function<void(bool waiting)> on_waiting);

  /// How many times interrupt() was called: read before a first look at a queue and given to the
  /// ticket taken after it, so that an interrupt in between still releases the wait.
  std::uint64_t interrupts() const;
  /// A ticket of `queue` as of now; `interrupts_seen`, from interrupts(), backdates what it has seen
  /// of interrupts.
  Ticket ticket(const std::string& queue, std::optional<std::uint64_t> interrupts_seen = std::nullopt);
  /// Blocks until `seen`'s queue was notified or interrupt() was called after `seen` was taken, or
  /// until `deadline`. Returns false when interrupted.
  bool wait(const Ticket& seen, std::chrono::steady_clock::time_point deadline);

  /// Registers `callback` to fire once: at the next message pushed to `queue` (if no other waiter of
  /// that queue takes the wake-up first) or at interrupt(). Returns an id for cancel().
  std::uint64_t add_waiter(const std::string& queue, Callback callback);
  /// Withdraws a callback. True when it had not fired and now never will (a reserved callback
  /// included: its push goes to another waiter); false when it has fired, or is firing on another
  /// thread. Does not wait for a firing callback. With `hand_over`, a callback that has fired passes
  /// its wake-up on as if the push came now: for a waiter that leaves without polling again, so that
  /// the pushed message does not wait for someone's timeout.
  bool cancel(const std::string& queue, std::uint64_t id, bool hand_over = false);

  /// One message was pushed to each entry of `queues` (a queue may appear several times).
  void notify(const std::vector<std::string>& queues);

  /// Sets the oldest callback of `queue` aside for a push about to be committed: no notification
  /// fires it meanwhile. Returns its id, or nothing when no callback waits.
  std::optional<std::uint64_t> reserve(const std::string& queue);
  /// The reserved push committed: fires the callback. When its waiter withdrew meanwhile, the
  /// wake-up goes to another waiter, or elsewhere.
  void deliver(const std::string& queue, std::uint64_t id);
  /// The reserved push did not commit: the callback waits again, in its old place.
  void restore(const std::string& queue, std::uint64_t id);
  /// Wakes every waiter as if its queue had received a message: pushes may have been missed.
  void wake_all();
  /// Releases every waiter, including a blocked one about to wait with an older ticket, and fires
  /// every callback with kInterrupted (shutdown).
  void interrupt();

  /// Queues with state held (someone waits on them); for tests of the cleanup.
  std::size_t size() const;

 private:
  struct Queue {
    explicit Queue(std::string queue_name) : name(std::move(queue_name)) {}
    std::string name;
    std::uint64_t version = 0;
    std::size_t tickets = 0;
    std::condition_variable changed;
    /// Ordered by id, so the oldest callback is woken first.
    std::map<std::uint64_t, Callback> callbacks;
    /// Callbacks set aside by reserve().
    std::map<std::uint64_t, Callback> reserved;
    /// Fired callbacks whose wake-up the other processes were not told of, until withdrawn: one
    /// handed over that nobody here takes goes elsewhere.
    std::set<std::uint64_t> unannounced;
  };

  Queue& acquire(const std::string& name);
  /// Drops `queue`'s state (an iterator of queues_), telling on_waiting when it was the last.
  std::unordered_map<std::string, std::unique_ptr<Queue>>::iterator drop(
      std::unordered_map<std::string, std::unique_ptr<Queue>>::iterator queue);
  /// Under the lock: wakes one waiter of `name` for a push, adding a callback to `fired`. False when
  /// nobody waits. `unannounced`: the other processes were not told of the push.
  bool wake_one(const std::string& name, bool unannounced, std::vector<Callback>& fired);
  /// A push's wake-up to pass on: to a waiter here, else, if they were not told, elsewhere.
  void pass_on(const std::string& name, bool unannounced);
  /// Whether nobody holds a ticket or callback for `queue` any more.
  static bool unused(const Queue& queue);
  /// Drops `queue`'s state when nobody holds a ticket or callback for it any more.
  void release_if_unused(Queue& queue);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<Queue>> queues_;
  std::uint64_t interrupts_ = 0;
  std::uint64_t next_id_ = 1;
  std::function<void(const std::string& queue)> elsewhere_;
  std::function<void(bool waiting)> on_waiting_;
};

}  // namespace conductor::detail
