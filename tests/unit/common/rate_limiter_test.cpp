#include "common/rate_limiter.h"

#include <gtest/gtest.h>

#include "tests/support/manual_clock.h"

namespace berth::common {
namespace {

using namespace std::chrono_literals;
using FakeClock = testing::ManualClock;

RateLimiter limiter(FakeClock& clock, double rate, double burst, size_t maxClients = 16384) {
  return RateLimiter(RateLimiterOptions{rate, burst, maxClients}, clock);
}

TEST(RateLimiterTest, ABurstIsAdmittedAndTheNextRequestIsRefused) {
  FakeClock clock;
  auto l = limiter(clock, 10, 5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(l.admit("10.0.0.1").allowed) << i;
  const RateDecision refused = l.admit("10.0.0.1");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retryAfterSeconds, 1);
  // Refusals take no token: still refused at the same instant, admitted once one refilled.
  EXPECT_FALSE(l.admit("10.0.0.1").allowed);
  clock.advance(100ms);
  EXPECT_TRUE(l.admit("10.0.0.1").allowed);
  EXPECT_FALSE(l.admit("10.0.0.1").allowed);
}

TEST(RateLimiterTest, ClientsHaveTheirOwnBuckets) {
  FakeClock clock;
  auto l = limiter(clock, 1, 2);
  EXPECT_TRUE(l.admit("10.0.0.1").allowed);
  EXPECT_TRUE(l.admit("10.0.0.1").allowed);
  EXPECT_FALSE(l.admit("10.0.0.1").allowed);
  EXPECT_TRUE(l.admit("10.0.0.2").allowed);
  EXPECT_TRUE(l.admit("10.0.0.2").allowed);
  EXPECT_FALSE(l.admit("10.0.0.2").allowed);
}

TEST(RateLimiterTest, RefillStopsAtTheBurst) {
  FakeClock clock;
  auto l = limiter(clock, 2, 3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(l.admit("c").allowed);
  clock.advance(1h);  // far more than needed: the bucket holds 3, not 7200
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(l.admit("c").allowed) << i;
  EXPECT_FALSE(l.admit("c").allowed);
}

TEST(RateLimiterTest, RetryAfterIsTheWholeSecondsUntilTheNextToken) {
  FakeClock clock;
  auto slow = limiter(clock, 0.1, 1);  // one token every 10 s
  ASSERT_TRUE(slow.admit("c").allowed);
  EXPECT_EQ(slow.admit("c").retryAfterSeconds, 10);
  clock.advance(2500ms);  // 7.5 s left: rounded up
  EXPECT_EQ(slow.admit("c").retryAfterSeconds, 8);
  clock.advance(7400ms);  // 0.1 s left: still at least one second
  EXPECT_EQ(slow.admit("c").retryAfterSeconds, 1);
  clock.advance(100ms);
  EXPECT_TRUE(slow.admit("c").allowed);
}

TEST(RateLimiterTest, TheBucketMapStaysWithinItsBoundUnderManyAddresses) {
  FakeClock clock;
  auto l = limiter(clock, 1, 1, 8);
  for (int i = 0; i < 1000; ++i) {
    l.admit("10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256));
    EXPECT_LE(l.trackedClients(), 8u) << i;
  }
  // The bound is kept by dropping the least recently used: the latest client still has its
  // drained bucket, the first one was forgotten and starts afresh.
  EXPECT_FALSE(l.admit("10.1.3.231").allowed);
  EXPECT_TRUE(l.admit("10.1.0.0").allowed);
}

TEST(RateLimiterTest, IdleClientsAreForgottenOnceTheirBucketsAreFull) {
  FakeClock clock;
  auto l = limiter(clock, 10, 10, 1000);
  for (int i = 0; i < 50; ++i) l.admit("10.2.0." + std::to_string(i));
  EXPECT_EQ(l.trackedClients(), 50u);
  clock.advance(1s);  // every bucket has refilled to its burst
  l.admit("10.3.0.1");
  EXPECT_EQ(l.trackedClients(), 1u);
}

TEST(RateLimiterTest, ZeroRateAdmitsEverythingAndKeepsNoState) {
  FakeClock clock;
  auto l = limiter(clock, 0, 1);
  EXPECT_FALSE(l.enabled());
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(l.admit("c").allowed);
  EXPECT_EQ(l.trackedClients(), 0u);
}

TEST(ClientAddressKeyTest, IPv6AddressesShareTheirSlash64) {
  EXPECT_EQ(clientAddressKey("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(clientAddressKey("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(clientAddressKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(clientAddressKey("2001:db8:1:2::1"), clientAddressKey("2001:db8:1:2:ffff::9"));
  EXPECT_NE(clientAddressKey("2001:db8:1:2::1"), clientAddressKey("2001:db8:1:3::1"));
  EXPECT_EQ(clientAddressKey("not an address"), "not an address");
}

}  // namespace
}  // namespace berth::common
