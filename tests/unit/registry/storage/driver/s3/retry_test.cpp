#include "registry/storage/driver/s3/retry.h"

#include <gtest/gtest.h>

namespace berth::registry::s3 {
namespace {

using std::chrono::milliseconds;

TEST(S3RetryTest, RepeatsTransientFailuresOnly) {
  EXPECT_TRUE(RetryPolicy::retryable(0, ""));  // no response: connection refused or reset
  EXPECT_TRUE(RetryPolicy::retryable(500, "InternalError"));
  EXPECT_TRUE(RetryPolicy::retryable(502, ""));
  EXPECT_TRUE(RetryPolicy::retryable(503, "SlowDown"));
  EXPECT_TRUE(RetryPolicy::retryable(504, ""));
  EXPECT_TRUE(RetryPolicy::retryable(429, ""));
  EXPECT_TRUE(RetryPolicy::retryable(400, "RequestTimeout"));
  EXPECT_TRUE(RetryPolicy::retryable(409, "OperationAborted"));
  EXPECT_TRUE(RetryPolicy::retryable(409, "ConditionalRequestConflict"));
  // A conditional write's refusal is the answer: repeating it could only hide it.
  EXPECT_FALSE(RetryPolicy::retryable(412, "PreconditionFailed"));
  EXPECT_FALSE(RetryPolicy::retryable(409, "BucketAlreadyOwnedByYou"));
  EXPECT_FALSE(RetryPolicy::retryable(400, "InvalidArgument"));
  EXPECT_FALSE(RetryPolicy::retryable(403, "AccessDenied"));
  EXPECT_FALSE(RetryPolicy::retryable(403, "SignatureDoesNotMatch"));
  EXPECT_FALSE(RetryPolicy::retryable(404, "NoSuchKey"));
  EXPECT_FALSE(RetryPolicy::retryable(416, "InvalidRange"));
}

TEST(S3RetryTest, StopsAtTheLastAttempt) {
  RetryPolicy policy;
  policy.maxAttempts = 3;
  EXPECT_TRUE(policy.shouldRetry(1, 503, "SlowDown"));
  EXPECT_TRUE(policy.shouldRetry(2, 503, "SlowDown"));
  EXPECT_FALSE(policy.shouldRetry(3, 503, "SlowDown"));
  EXPECT_FALSE(policy.shouldRetry(1, 404, "NoSuchKey"));
}

TEST(S3RetryTest, BackoffDoublesUpToTheCapWithJitterInTheUpperHalf) {
  RetryPolicy policy;
  policy.baseDelay = milliseconds(100);
  policy.maxDelay = milliseconds(1000);
  EXPECT_EQ(policy.delay(1, 0.0), milliseconds(50));
  EXPECT_EQ(policy.delay(1, 0.999999), milliseconds(99));
  EXPECT_EQ(policy.delay(2, 0.0), milliseconds(100));
  EXPECT_EQ(policy.delay(3, 0.5), milliseconds(300));
  EXPECT_EQ(policy.delay(4, 1.0), milliseconds(800));
  EXPECT_EQ(policy.delay(5, 0.0), milliseconds(500));  // capped at 1000, half fixed
  EXPECT_EQ(policy.delay(60, 1.0), milliseconds(1000));
  EXPECT_EQ(policy.delay(0, 0.0), milliseconds(50));
  EXPECT_EQ(policy.delay(2, -3.0), milliseconds(100));  // out-of-range randomness is clamped
}

}  // namespace
}  // namespace berth::registry::s3
