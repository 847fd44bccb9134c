#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace berth::registry {

// Remembers recent successful password checks so Basic auth on every request does not pay for
// bcrypt each time. Keys are SHA-256(user, password, stored hash): the password is never kept,
// and a changed hash in the htpasswd file misses the cache by construction. Bounded; thread-safe.
class CredentialCache {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  CredentialCache(size_t maxEntries, std::chrono::seconds ttl)
      : maxEntries_(maxEntries), ttl_(ttl) {}

  static std::string key(const std::string& user, const std::string& password,
                         const std::string& hash);

  bool contains(const std::string& key, TimePoint now);
  void insert(const std::string& key, TimePoint now);
  size_t size() const;

 private:
  const size_t maxEntries_;
  const std::chrono::seconds ttl_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, TimePoint> expiry_;
};

}  // namespace berth::registry
