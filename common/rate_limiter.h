#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.h"

namespace berth::common {

// The answer for one request: admitted, or refused with the whole seconds after which the
// client's next request would be admitted (the Retry-After header).
struct RateDecision {
  bool allowed = true;
  int64_t retryAfterSeconds = 0;
};

struct RateLimiterOptions {
  double requestsPerSecond = 0;  // 0: no limit
  double burst = 1;
  // Buckets kept at most. Beyond, the least recently used one is dropped: a client seen again
  // starts with a full bucket, which is what an idle client would have anyway. Bounds memory
  // against a sender of many addresses.
  size_t maxClients = 16384;
};

// A token bucket per client: each request takes a token; tokens refill at requestsPerSecond up
// to burst. Buckets that have refilled completely carry no state worth keeping and are dropped.
class RateLimiter {
 public:
  // Buckets refill on `clock`'s monotonic time.
  RateLimiter(RateLimiterOptions options, const Clock& clock);

  bool enabled() const { return options_.requestsPerSecond > 0; }
  RateDecision admit(const std::string& client);
  size_t trackedClients() const;

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point updated;
    std::list<std::string>::iterator recency;
  };
  std::chrono::steady_clock::time_point now() const;
  void refill(Bucket& bucket, std::chrono::steady_clock::time_point at) const;
  // Drops least recently used buckets that are full again, and beyond maxClients any.
  void evict(std::chrono::steady_clock::time_point at);

  RateLimiterOptions options_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::list<std::string> recency_;  // most recently used first
};

// The key a client address is limited and counted under (request rate, anonymous uploads): an IPv4
// address as it is, an IPv6 address by its /64 prefix (one host commonly holds a whole /64, so per
// address it would have 2^64 buckets), an IPv4-mapped IPv6 address as the IPv4 address. Text that
// is no address is used as it is.
std::string clientAddressKey(const std::string& address);

}  // namespace berth::common
