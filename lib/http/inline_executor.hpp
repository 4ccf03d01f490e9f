#pragma once

#include <boost/asio/execution.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>

#include <type_traits>
#include <utility>

namespace conductor::http::detail {

/// Wraps an executor so that work it may run at once runs at once, on whichever thread submits it,
/// instead of only on the wrapped executor's own threads. Work submitted as never-blocking (post)
/// still goes through the wrapped executor. Under a strand this lets a thread that finished a
/// connection's request write the answer itself when the strand is free, without waking a
/// network thread to do it.
template <typename Inner>
class InlineExecutor {
 public:
  explicit InlineExecutor(Inner inner) noexcept : inner_(std::move(inner)) {}

  template <typename Property>
  auto query(const Property& property) const noexcept(noexcept(boost::asio::query(std::declval<const Inner&>(), property)))
      -> decltype(boost::asio::query(std::declval<const Inner&>(), property)) {
    return boost::asio::query(inner_, property);
  }

  template <typename Property>
  auto require(const Property& property) const
      -> InlineExecutor<std::decay_t<decltype(boost::asio::require(std::declval<const Inner&>(), property))>> {
    return InlineExecutor<std::decay_t<decltype(boost::asio::require(inner_, property))>>(
        boost::asio::require(inner_, property));
  }

  template <typename Function>
  void execute(Function&& function) const {
    if (boost::asio::query(inner_, boost::asio::execution::blocking) == boost::asio::execution::blocking.never) {
      inner_.execute(std::forward<Function>(function));
    } else {
      std::decay_t<Function> local(std::forward<Function>(function));
      local();
    }
  }

  friend bool operator==(const InlineExecutor& a, const InlineExecutor& b) noexcept { return a.inner_ == b.inner_; }
  friend bool operator!=(const InlineExecutor& a, const InlineExecutor& b) noexcept { return !(a == b); }

 private:
  Inner inner_;
};

}  // namespace conductor::http::detail
