#include "admission/request_timeout.h"

#include <gtest/gtest.h>

namespace berth::admission {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RequestTimeoutTest, ParsesGoDurations) {
  EXPECT_EQ(parseGoDuration("10s"), microseconds(seconds(10)));
  EXPECT_EQ(parseGoDuration("1m30s"), microseconds(seconds(90)));
  EXPECT_EQ(parseGoDuration("500ms"), microseconds(milliseconds(500)));
  EXPECT_EQ(parseGoDuration("2.5s"), microseconds(milliseconds(2500)));
  EXPECT_EQ(parseGoDuration("1h"), microseconds(seconds(3600)));
  EXPECT_EQ(parseGoDuration("250us"), microseconds(250));
  EXPECT_EQ(parseGoDuration("0"), microseconds(0));
}

TEST(RequestTimeoutTest, RejectsMalformedDurations) {
  for (const char* bad : {"", "10", "s", "-1s", "1.2.3s", "10x", "ten seconds", "1s "}) {
    EXPECT_FALSE(parseGoDuration(bad)) << bad;
  }
}

TEST(RequestTimeoutTest, BudgetLeavesAMarginAndStaysWithinThirtySeconds) {
  EXPECT_EQ(reviewBudget("10s"), microseconds(milliseconds(9500)));
  EXPECT_EQ(reviewBudget("1s"), microseconds(milliseconds(900)));
  EXPECT_EQ(reviewBudget("60s"), microseconds(milliseconds(29500)));
  // Absent or malformed: the API server's default of 10 s.
  EXPECT_EQ(reviewBudget(""), microseconds(milliseconds(9500)));
  EXPECT_EQ(reviewBudget("soon"), microseconds(milliseconds(9500)));
  EXPECT_EQ(reviewBudget("0s"), microseconds(milliseconds(9500)));
}

}  // namespace
}  // namespace berth::admission
