#include "registry/storage/driver/s3/retry.h"

#include <algorithm>

namespace berth::registry::s3 {

bool RetryPolicy::retryable(int status, std::string_view errorCode) {
  if (status == 0 || status >= 500 || status == 429) return true;
  // 400 RequestTimeout: the server closed an idle upload; 409 OperationAborted: a conflicting
  // operation on the same object was in progress; 409 ConditionalRequestConflict: a concurrent
  // conditional write of the same key, which AWS asks to retry (the retry then sees the
  // winner's object). 412 PreconditionFailed is an answer, never repeated.
  return errorCode == "RequestTimeout" || errorCode == "OperationAborted" ||
         errorCode == "ConditionalRequestConflict" || errorCode == "SlowDown" ||
         errorCode == "Throttling";
}

std::chrono::milliseconds RetryPolicy::delay(int attempt, double unitRandom) const {
  const int doublings = std::clamp(attempt - 1, 0, 30);
  const long long full =
      std::min<long long>(maxDelay.count(), baseDelay.count() * (1LL << std::min(doublings, 20)));
  const double jitter = std::clamp(unitRandom, 0.0, 1.0);
  return std::chrono::milliseconds(full / 2 + static_cast<long long>((full - full / 2) * jitter));
}

}  // namespace berth::registry::s3
