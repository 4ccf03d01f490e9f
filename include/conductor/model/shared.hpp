#pragma once

#include <memory>
#include <utility>

namespace conductor {

/// A value that its copies share until one of them is changed: copying a Shared copies a pointer.
/// The model keeps large values that rarely change this way (a workflow's definition, a task's
/// node), so copying a Workflow or a Task copies no definition.
///
/// Reads like std::optional: it is set or empty, and `*`/`->` give the value (an empty one reads as
/// a default-constructed T). It is set like the value it holds (`shared = value;`), and `edit()`
/// gives a value of its own to change in place. Equality compares values.
template <class T>
class Shared {
 public:
  using element_type = T;

  Shared() = default;
  Shared(T value) : value_(std::make_shared<T>(std::move(value))) {}

  bool has_value() const { return value_ != nullptr; }
  explicit operator bool() const { return has_value(); }
  const T& operator*() const { return value_ ? *value_ : empty(); }
  const T* operator->() const { return &**this; }

  /// The value, this Shared's own (copied first when shared, default-constructed when empty).
  T& edit() {
    if (!value_) {
      value_ = std::make_shared<T>();
    } else if (value_.use_count() > 1) {
      value_ = std::make_shared<T>(*value_);
    }
    return *value_;
  }
  void reset() { value_.reset(); }

  /// Equal values; the same shared value without comparing it.
  bool operator==(const Shared& other) const {
    return value_ == other.value_ || (value_ && other.value_ && *value_ == *other.value_);
  }
  /// Whether both hold the very same value, not merely an equal one.
  bool same_as(const Shared& other) const { return value_ == other.value_; }

 private:
  static const T& empty() {
    static const T value{};
    return value;
  }

  std::shared_ptr<T> value_;
};

}  // namespace conductor
