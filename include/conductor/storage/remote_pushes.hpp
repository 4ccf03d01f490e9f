#pragma once

#include <conductor/export.hpp>

#include <functional>
#include <string>

namespace conductor {

/// Implemented by a Storage that several processes share: it reports messages other processes
/// pushed, so that long polls waiting in this process wake at once instead of at their timeout.
/// The engine subscribes when it is given such a storage.
class CONDUCTOR_EXPORT RemotePushes {
 public:
  virtual ~RemotePushes() = default;
  /// `listener(queue)` runs on a thread of the storage after another process committed a push to
  /// `queue`. Replaces any listener; an empty one unsubscribes and returns only once no call to the
  /// previous listener is running.
  virtual void set_push_listener(std::function<void(const std::string& queue)> listener) = 0;
  /// Tells the other processes of a committed push to `queue` that its transaction did not announce
  /// (Transaction::skip_announcing) and that no poll of this process took after all. Returns at
  /// once; sent in the background, and only while a listener is set.
  virtual void announce(const std::string& queue) = 0;
};

}  // namespace conductor
