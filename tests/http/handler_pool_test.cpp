#include "http/handler_pool.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>

using conductor::http::detail::HandlerPool;

namespace {

void wait_until_all_idle(HandlerPool& pool, std::size_t threads) {
  while (pool.idle_threads() != threads) std::this_thread::yield();
}

}  // namespace

TEST_CASE("handler pool: a steady trickle of work stays on the thread that went idle last") {
  constexpr std::size_t kThreads = 8;
  HandlerPool pool(kThreads);
  wait_until_all_idle(pool, kThreads);
  std::set<std::thread::id> ran_on;
  for (int i = 0; i < 50; ++i) {
    std::promise<std::thread::id> ran;
    pool.post([&ran] { ran.set_value(std::this_thread::get_id()); });
    ran_on.insert(ran.get_future().get());
    REQUIRE(ran_on.count(std::this_thread::get_id()) == 0);
    wait_until_all_idle(pool, kThreads);
  }
  CHECK(ran_on.size() == 1);
}

TEST_CASE("handler pool: work posted while every thread is busy runs once one is free") {
  HandlerPool pool(2);
  wait_until_all_idle(pool, 2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> started{0};
  std::atomic<int> done{0};
  for (int i = 0; i < 2; ++i) {
    pool.post([released, &started, &done] {
      ++started;
      released.wait();
      ++done;
    });
  }
  while (started != 2) std::this_thread::yield();
  std::promise<void> queued_ran;
  auto ran = queued_ran.get_future();
  pool.post([&] { queued_ran.set_value(); });
  REQUIRE(pool.idle_threads() == 0);
  REQUIRE(ran.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);
  release.set_value();
  ran.wait();
  pool.join();
  CHECK(done == 2);
}

TEST_CASE("handler pool: join returns after every task has run, those posted by tasks included") {
  std::atomic<int> runs{0};
  HandlerPool pool(3);
  for (int i = 0; i < 100; ++i) {
    pool.post([&pool, &runs, i] {
      ++runs;
      if (i % 2 == 0) pool.post([&runs] { ++runs; });
    });
  }
  pool.join();
  CHECK(runs == 150);
  CHECK(pool.idle_threads() == 0);
}
