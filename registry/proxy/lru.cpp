#include "registry/proxy/lru.h"

#include <algorithm>

namespace berth::registry {

void ProxyLru::use(const std::string& digest, const std::string& repository, uint64_t size,
                   int64_t now) {
  auto [it, inserted] = entries_.try_emplace(digest);
  if (inserted) {
    it->second.size = size;
    total_ += size;
  }
  it->second.lastUsed = std::max(it->second.lastUsed, now);
  if (!repository.empty()) it->second.repositories.insert(repository);
}

void ProxyLru::forget(const std::string& digest) {
  auto it = entries_.find(digest);
  if (it == entries_.end()) return;
  total_ -= it->second.size;
  entries_.erase(it);
}

const ProxyLru::Entry* ProxyLru::find(const std::string& digest) const {
  auto it = entries_.find(digest);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> ProxyLru::victims(uint64_t maxBytes, const std::string& keep) const {
  if (total_ <= maxBytes) return {};
  std::vector<std::pair<int64_t, std::string>> byAge;
  for (const auto& [digest, entry] : entries_) {
    if (digest != keep) byAge.emplace_back(entry.lastUsed, digest);
  }
  std::sort(byAge.begin(), byAge.end());
  std::vector<std::string> out;
  uint64_t total = total_;
  for (const auto& [lastUsed, digest] : byAge) {
    if (total <= maxBytes) break;
    total -= entries_.at(digest).size;
    out.push_back(digest);
  }
  return out;
}

void TagFreshness::confirmed(const std::string& repository, const std::string& tag, int64_t now) {
  confirmed_[repository + ":" + tag] = now;
}

bool TagFreshness::fresh(const std::string& repository, const std::string& tag, int64_t now) const {
  auto it = confirmed_.find(repository + ":" + tag);
  return it != confirmed_.end() && now - it->second < ttl_;
}

}  // namespace berth::registry
