#include "common/rate_limiter.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace berth::common {

RateLimiter::RateLimiter(RateLimiterOptions options, const Clock& clock)
    : options_(options), clock_(clock) {
  options_.burst = std::max(options_.burst, 1.0);
  options_.maxClients = std::max<size_t>(options_.maxClients, 1);
}

std::chrono::steady_clock::time_point RateLimiter::now() const { return clock_.monotonic(); }

void RateLimiter::refill(Bucket& bucket, std::chrono::steady_clock::time_point at) const {
  const double elapsed = std::chrono::duration<double>(at - bucket.updated).count();
  if (elapsed > 0) {
    bucket.tokens = std::min(options_.burst, bucket.tokens + elapsed * options_.requestsPerSecond);
    bucket.updated = at;
  }
}

void RateLimiter::evict(std::chrono::steady_clock::time_point at) {
  // A full bucket is the state of a client never seen: forgetting it changes no answer. The
  // least recently used come first, so the walk stops at the first one still draining.
  while (!recency_.empty()) {
    auto it = buckets_.find(recency_.back());
    refill(it->second, at);
    const bool full = it->second.tokens >= options_.burst;
    if (!full && buckets_.size() < options_.maxClients) break;
    buckets_.erase(it);
    recency_.pop_back();
  }
}

RateDecision RateLimiter::admit(const std::string& client) {
  if (!enabled()) return {};
  std::lock_guard lock(mutex_);
  const auto at = now();
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    evict(at);
    recency_.push_front(client);
    it = buckets_.emplace(client, Bucket{options_.burst, at, recency_.begin()}).first;
  } else {
    recency_.splice(recency_.begin(), recency_, it->second.recency);
    refill(it->second, at);
  }
  Bucket& bucket = it->second;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return {};
  }
  const double wait = (1.0 - bucket.tokens) / options_.requestsPerSecond;
  return {false, std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait)))};
}

size_t RateLimiter::trackedClients() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

std::string clientAddressKey(const std::string& address) {
  in6_addr v6{};
  if (::inet_pton(AF_INET6, address.c_str(), &v6) != 1) return address;
  static constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  char text[INET6_ADDRSTRLEN];
  if (std::memcmp(v6.s6_addr, kMappedPrefix, sizeof(kMappedPrefix)) == 0) {
    ::inet_ntop(AF_INET, v6.s6_addr + 12, text, sizeof(text));
    return text;
  }
  std::memset(v6.s6_addr + 8, 0, 8);
  ::inet_ntop(AF_INET6, &v6, text, sizeof(text));
  return std::string(text) + "/64";
}

}  // namespace berth::common
