#pragma once

#include <chrono>
#include <string_view>

namespace berth::registry::s3 {

// When a failed S3 request is tried again, and after how long. Requests the driver sends are
// idempotent (or, for CompleteMultipartUpload, checked afterwards), so any of them may repeat.
struct RetryPolicy {
  int maxAttempts = 6;
  std::chrono::milliseconds baseDelay{100};
  std::chrono::milliseconds maxDelay{5000};

  // `status` 0 means no response at all (connection refused, reset, timed out). Repeated:
  // those, every 5xx (503 SlowDown included), 429, and the 4xx codes S3 documents as transient.
  static bool retryable(int status, std::string_view errorCode);
  // Exponential backoff with equal jitter before try `attempt + 1` (attempt counts from 1):
  // half of min(maxDelay, baseDelay * 2^(attempt-1)) fixed, the other half scaled by
  // `unitRandom` in [0, 1), so replicas that failed together do not retry together.
  std::chrono::milliseconds delay(int attempt, double unitRandom) const;
  bool shouldRetry(int attempt, int status, std::string_view errorCode) const {
    return attempt < maxAttempts && retryable(status, errorCode);
  }
};

}  // namespace berth::registry::s3
