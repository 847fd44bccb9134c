#include "registry/auth/credential_cache.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace berth::registry {

std::string CredentialCache::key(const std::string& user, const std::string& password,
                                 const std::string& hash) {
  // Length prefixes keep ("ab","c") and ("a","bc") apart.
  std::string material;
  for (const std::string* part : {&user, &password, &hash}) {
    material += std::to_string(part->size());
    material += ':';
    material += *part;
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  OPENSSL_cleanse(material.data(), material.size());
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

bool CredentialCache::contains(const std::string& key, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = expiry_.find(key);
  if (it == expiry_.end()) return false;
  if (it->second <= now) {
    expiry_.erase(it);
    return false;
  }
  return true;
}

void CredentialCache::insert(const std::string& key, TimePoint now) {
  if (maxEntries_ == 0) return;
  std::lock_guard lock(mutex_);
  if (expiry_.size() >= maxEntries_ && expiry_.count(key) == 0) {
    std::erase_if(expiry_, [now](const auto& entry) { return entry.second <= now; });
    if (expiry_.size() >= maxEntries_) {
      // Full of live entries: drop the one closest to expiry. O(n), but only when full.
      auto oldest = expiry_.begin();
      for (auto it = expiry_.begin(); it != expiry_.end(); ++it) {
        if (it->second < oldest->second) oldest = it;
      }
      expiry_.erase(oldest);
    }
  }
  expiry_[key] = now + ttl_;
}

size_t CredentialCache::size() const {
  std::lock_guard lock(mutex_);
  return expiry_.size();
}

}  // namespace berth::registry
