#include "common/civil_time.h"

#include <gtest/gtest.h>

namespace berth::common {
namespace {

TEST(CivilTimeTest, UnixSecondsOfValidAndInvalidDates) {
  EXPECT_EQ(unixSecondsOfUtc(1970, 1, 1, 0, 0, 0), 0);
  EXPECT_EQ(unixSecondsOfUtc(2024, 2, 29, 0, 0, 0), 1709164800);
  EXPECT_FALSE(unixSecondsOfUtc(2023, 2, 29, 0, 0, 0));
  EXPECT_FALSE(unixSecondsOfUtc(1969, 12, 31, 23, 59, 59));
}

TEST(Rfc3339Test, ParsesVariants) {
  EXPECT_EQ(*parseRfc3339Millis("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(*parseRfc3339Millis("1970-01-01T02:00:00+02:00"), 0);
  EXPECT_EQ(*parseRfc3339Millis("1970-01-01T00:00:00-01:30"), 5400000);
  EXPECT_EQ(*parseRfc3339Millis("1970-01-02"), 86400000);
  EXPECT_EQ(*parseRfc3339Millis("1970-01-01T00:00:00.5Z"), 500);
  EXPECT_EQ(*parseRfc3339Millis("1970-01-01t00:00:00.5z"), 500);
}

// Trivy and other Go programs write nanoseconds: the digits past the millisecond are dropped.
TEST(Rfc3339Test, AcceptsOneToNineFractionDigits) {
  EXPECT_EQ(*parseRfc3339Millis("2024-05-01T12:00:00.1Z"), 1714564800100);
  EXPECT_EQ(*parseRfc3339Millis("2024-05-01T12:00:00.12Z"), 1714564800120);
  EXPECT_EQ(*parseRfc3339Millis("2024-05-01T12:00:00.123456Z"), 1714564800123);
  EXPECT_EQ(*parseRfc3339Millis("2024-05-01T12:00:00.123456789Z"), 1714564800123);
  EXPECT_EQ(*parseRfc3339Millis("2024-05-01T14:00:00.999999999+02:00"), 1714564800999);
}

TEST(Rfc3339Test, FormatsUnixSecondsAndReadsThemBack) {
  EXPECT_EQ(rfc3339OfUnixSeconds(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339OfUnixSeconds(1714564800), "2024-05-01T12:00:00Z");
  EXPECT_EQ(*parseRfc3339Millis(rfc3339OfUnixSeconds(951782400)), 951782400000);  // 2000-02-29
}

TEST(Rfc3339Test, RefusesWhatIsNotRfc3339) {
  for (const char* bad :
       {"", "1970", "1970-13-01", "2024-02-31", "1970-01-01T00:00:00", "1970-01-01T25:00:00Z",
        "1970-01-01T00:00:00Zjunk", "1970-01-01T00:00Z", "1970-01-01T00:00:00.Z",
        "1970-01-01T00:00:00+0200", "1970-01-01T00:00:00+24:00", "yesterday",
        "2024-05-01T12:00:00.123456789"}) {
    EXPECT_FALSE(parseRfc3339Millis(bad)) << bad;
  }
}

}  // namespace
}  // namespace berth::common
