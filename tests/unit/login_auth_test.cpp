// The pieces of the broker's own login (broker/auth): the per-address attempt budget with a
// clock given by the test, the password-check threads (verdicts, dummy checks for unknown
// users, the bounded queue, shutdown), credential splitting and the plain-listener warning.
#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "broker/auth/authenticator.hpp"
#include "broker/auth/hash_worker.hpp"
#include "broker/auth/login_throttle.hpp"
#include "broker/auth/password_file.hpp"

namespace smq::auth {
namespace {

using namespace std::chrono_literals;
using Clock = LoginThrottle::Clock;

constexpr Clock::duration patient = 1h;  // a caller that may wait as long as it takes

TEST(LoginThrottle, AnAddressGetsItsBurstAtOnceThenOneAttemptPerRefill) {
  LoginThrottle t;
  const Clock::time_point t0{};
  for (int i = 0; i < static_cast<int>(attempt_burst); ++i) {
    EXPECT_EQ(t.admit("10.0.0.1", t0, patient), Clock::duration::zero()) << i;
    t.settle("10.0.0.1", false, t0);
  }
  // The eleventh waits one refill, the twelfth (while the eleventh still waits) two.
  EXPECT_EQ(t.admit("10.0.0.1", t0, patient), Clock::duration(attempt_refill));
  EXPECT_EQ(t.admit("10.0.0.1", t0, patient), Clock::duration(2 * attempt_refill));
  // Another address is not affected.
  EXPECT_EQ(t.admit("10.0.0.2", t0, patient), Clock::duration::zero());
}

TEST(LoginThrottle, CorrectPasswordsGiveTheirTokenBack) {
  LoginThrottle t;
  const Clock::time_point t0{};
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(t.admit("10.0.0.1", t0, patient), Clock::duration::zero()) << i;
    t.settle("10.0.0.1", true, t0);
  }
  EXPECT_DOUBLE_EQ(t.tokens("10.0.0.1", t0), attempt_burst);
  EXPECT_EQ(t.tracked(), 0u) << "a full, idle bucket is forgotten";
}

TEST(LoginThrottle, AttemptsBeingCheckedCountAgainstTheBudget) {
  // Many connections at once from one address get the burst, not one check each.
  LoginThrottle t;
  const Clock::time_point t0{};
  int at_once = 0;
  for (int i = 0; i < 50; ++i) {
    if (t.admit("10.0.0.1", t0, 0s) == Clock::duration::zero()) ++at_once;
  }
  EXPECT_EQ(at_once, static_cast<int>(attempt_burst));
}

TEST(LoginThrottle, AnAttemptThatWouldWaitTooLongIsRefusedWithoutTakingAToken) {
  LoginThrottle t;
  const Clock::time_point t0{};
  for (int i = 0; i < static_cast<int>(attempt_burst); ++i) {
    ASSERT_TRUE(t.admit("10.0.0.1", t0, patient));
    t.settle("10.0.0.1", false, t0);
  }
  EXPECT_EQ(t.admit("10.0.0.1", t0, attempt_refill / 2), std::nullopt);
  EXPECT_DOUBLE_EQ(t.tokens("10.0.0.1", t0), 0.0);
  // Refilled after one period: one attempt at once again.
  EXPECT_EQ(t.admit("10.0.0.1", t0 + attempt_refill, 0s), Clock::duration::zero());
}

TEST(LoginThrottle, TheBudgetRefillsOverTimeUpToTheBurst) {
  LoginThrottle t;
  const Clock::time_point t0{};
  for (int i = 0; i < static_cast<int>(attempt_burst); ++i) {
    ASSERT_TRUE(t.admit("10.0.0.1", t0, patient));
    t.settle("10.0.0.1", false, t0);
  }
  EXPECT_NEAR(t.tokens("10.0.0.1", t0 + 3 * attempt_refill), 3.0, 1e-9);
  EXPECT_DOUBLE_EQ(t.tokens("10.0.0.1", t0 + 1000 * attempt_refill), attempt_burst);
}

TEST(LoginThrottle, IPv6AddressesShareTheBudgetOfTheir64BitPrefix) {
  EXPECT_EQ(LoginThrottle::key_of("2001:db8:1:2:aaaa::1"), LoginThrottle::key_of("2001:db8:1:2::ffff"));
  EXPECT_NE(LoginThrottle::key_of("2001:db8:1:2::1"), LoginThrottle::key_of("2001:db8:1:3::1"));
  EXPECT_EQ(LoginThrottle::key_of("2001:db8:1:2::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(LoginThrottle::key_of("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(LoginThrottle::key_of("not an address"), "not an address");
}

TEST(LoginThrottle, MemoryIsBoundedAndAFullTableDoesNotOpenTheGate) {
  LoginThrottle t;
  const Clock::time_point t0{};
  // Every address fails once and keeps a bucket that is not full.
  for (std::size_t i = 0; i < max_tracked_addresses; ++i) {
    const std::string key = std::to_string(i);
    ASSERT_TRUE(t.admit(key, t0, 0s));
    t.settle(key, false, t0);
  }
  EXPECT_EQ(t.tracked(), max_tracked_addresses);
  // No bucket can be forgotten yet: a new address is slowed down, not let through.
  EXPECT_EQ(t.admit("new", t0, 0s), std::nullopt);
  EXPECT_EQ(t.admit("new", t0, patient), Clock::duration(attempt_refill));
  EXPECT_EQ(t.tracked(), max_tracked_addresses);
  // Once the old buckets have refilled they are forgotten to make room.
  EXPECT_EQ(t.admit("newer", t0 + attempt_refill, 0s), Clock::duration::zero());
  EXPECT_EQ(t.tracked(), 1u);
}

// Runs an io_context on a thread for the worker's completions.
struct Loop {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::thread thread{[this] { io.run(); }};
  ~Loop() {
    work.reset();
    io.stop();
    thread.join();
  }
};

TEST(HashWorker, ChecksPasswordsOffTheCallingThreadAndPostsTheVerdict) {
  Loop loop;
  const std::string stored = detail::hash_password("secret", 1000, system_random).value();
  std::promise<std::pair<bool, std::thread::id>> right, wrong, unknown;
  HashWorker worker(loop.io, 1);
  ASSERT_TRUE(worker.submit("secret", stored, 1000, [&](bool m) {
    right.set_value({m, std::this_thread::get_id()});
  }));
  ASSERT_TRUE(worker.submit("Secret", stored, 1000, [&](bool m) {
    wrong.set_value({m, std::this_thread::get_id()});
  }));
  ASSERT_TRUE(worker.submit("secret", std::nullopt, 1000, [&](bool m) {
    unknown.set_value({m, std::this_thread::get_id()});
  }));
  const auto r = right.get_future().get();
  EXPECT_TRUE(r.first);
  EXPECT_EQ(r.second, loop.thread.get_id()) << "the verdict runs on the io_context's thread";
  EXPECT_FALSE(wrong.get_future().get().first);
  EXPECT_FALSE(unknown.get_future().get().first) << "an unknown user never matches";
}

TEST(HashWorker, AFullQueueRefusesAtOnceAndShutdownDropsWhatWaits) {
  Loop loop;
  std::atomic<int> verdicts{0};
  int refused = 0;
  {
    // 50,000 iterations are some milliseconds each: the thread cannot empty a queue of
    // queued_checks_per_thread while forty jobs are submitted.
    HashWorker worker(loop.io, 1);
    const std::string stored = detail::hash_password("pw", 50'000, system_random).value();
    for (int i = 0; i < 40; ++i) {
      if (!worker.submit("pw", stored, 50'000, [&](bool) { ++verdicts; })) ++refused;
    }
    EXPECT_GE(refused, 40 - static_cast<int>(worker.capacity()) - 1);
    EXPECT_LE(worker.queued(), worker.capacity());
  }
  // The destructor joined the thread: at most the job it was running and those it had
  // finished were posted; the rest were dropped without a verdict.
  std::promise<void> drained;
  asio::post(loop.io, [&] { drained.set_value(); });
  drained.get_future().get();
  EXPECT_LT(verdicts.load(), 40 - refused);
}

TEST(LoginCredentials, SplitAtTheFirstColon) {
  EXPECT_EQ(split_credentials("alice:pa:ss"), (std::pair<std::string_view, std::string_view>{"alice", "pa:ss"}));
  EXPECT_EQ(split_credentials(":pw"), (std::pair<std::string_view, std::string_view>{"", "pw"}));
  EXPECT_EQ(split_credentials("eyJhbGciOi.token"), std::nullopt);
}

TEST(LoginCredentials, WarnsForPlainListenersThatAreNotLoopback) {
  BrokerOptions o;
  EXPECT_TRUE(exposed_plain_listeners(o).empty()) << "the default listener is loopback";
  o.listen = {"127.0.0.1:9700", "[::1]:9700", "0.0.0.0:9700", "[::]:9701", "192.0.2.1:9702"};
  EXPECT_EQ(exposed_plain_listeners(o),
            (std::vector<std::string>{"0.0.0.0:9700", "[::]:9701", "192.0.2.1:9702"}));
  // TLS listeners carry passwords encrypted.
  BrokerOptions tls_only;
  tls_only.tls_listen = {"0.0.0.0:9443"};
  EXPECT_TRUE(exposed_plain_listeners(tls_only).empty());
}

}  // namespace
}  // namespace smq::auth
