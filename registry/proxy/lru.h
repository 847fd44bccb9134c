#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace berth::registry {

// Accounting of cached upstream content for least-recently-used eviction: one entry per digest
// (a blob counts once however many proxied repositories link it), with the repositories that
// link it and when it was last used. Not thread-safe; the cache guards it.
class ProxyLru {
 public:
  struct Entry {
    uint64_t size = 0;
    int64_t lastUsed = 0;
    std::set<std::string> repositories;  // proxied repositories that link the digest
  };

  // Records a use (a fetch or a cache hit) of `digest` in `repository`.
  void use(const std::string& digest, const std::string& repository, uint64_t size, int64_t now);
  void forget(const std::string& digest);
  uint64_t totalBytes() const { return total_; }
  const Entry* find(const std::string& digest) const;
  // The least recently used digests whose removal brings the total to at most `maxBytes`,
  // oldest first. `keep` (the content being served) is never chosen.
  std::vector<std::string> victims(uint64_t maxBytes, const std::string& keep = {}) const;

 private:
  std::map<std::string, Entry> entries_;
  uint64_t total_ = 0;
};

// When a cached manifest tag was last confirmed with the upstream; a tag is fresh for `ttl`
// seconds after that. Not thread-safe; the cache guards it.
class TagFreshness {
 public:
  explicit TagFreshness(int64_t ttlSeconds) : ttl_(ttlSeconds) {}
  void confirmed(const std::string& repository, const std::string& tag, int64_t now);
  bool fresh(const std::string& repository, const std::string& tag, int64_t now) const;

 private:
  int64_t ttl_;
  std::map<std::string, int64_t> confirmed_;
};

}  // namespace berth::registry
