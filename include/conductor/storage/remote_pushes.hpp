#pragma once

#include <conductor/export.hpp>

#include <functional>
#include <optional>
#include <string>

namespace conductor {

/// Implemented by a Storage that several processes share: it reports messages other processes
/// pushed, so that long polls waiting in this process wake at once instead of at their timeout.
/// The engine subscribes when it is given such a storage.
///
/// A storage hears the others only while this process waits for pushes (set_waiting), and for a
/// short while after, so that busy processes whose polls never wait are not woken for every push.
class CONDUCTOR_EXPORT RemotePushes {
 public:
  virtual ~RemotePushes() = default;
  /// `listener(queue)` runs on a thread of the storage after another process committed a push to
  /// `queue`; `listener(std::nullopt)` when pushes may have gone unheard (the storage has begun to
  /// listen, or reconnected): every waiter should look at its queue again. Replaces any listener;
  /// an empty one unsubscribes and returns only once no call to the previous listener is running.
  virtual void set_push_listener(std::function<void(const std::optional<std::string>& queue)> listener) = 0;
  /// Whether polls of this process wait for pushes now: true when the first waiter comes, false when
  /// the last one leaves, in that order. Cheap; may be called under the caller's lock.
  virtual void set_waiting(bool waiting) = 0;
  /// Tells the other processes of a committed push to `queue` that its transaction did not announce
  /// (Transaction::skip_announcing) and that no poll of this process took after all. Returns at
  /// once; sent in the background, and only while a listener is set.
  virtual void announce(const std::string& queue) = 0;
};

}  // namespace conductor
