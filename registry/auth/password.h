#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "registry/auth/credential_cache.h"
#include "registry/auth/htpasswd.h"

namespace berth::registry {

// Checks user name and password against the htpasswd file, remembering recent successes.
// Thread-safe.
class PasswordChecker {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  static constexpr size_t kCacheEntries = 1024;
  static constexpr std::chrono::seconds kCacheTtl{60};

  explicit PasswordChecker(std::unique_ptr<HtpasswdFile> file)
      : file_(std::move(file)), cache_(kCacheEntries, kCacheTtl) {}

  bool check(const std::string& user, const std::string& password, TimePoint now);
  // Whether the user is (still) in the file: tokens of removed users stop working.
  bool knows(const std::string& user);
  size_t cachedEntries() const { return cache_.size(); }

 private:
  std::unique_ptr<HtpasswdFile> file_;
  CredentialCache cache_;
};

}  // namespace berth::registry
