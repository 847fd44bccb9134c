#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/clock.h"

namespace berth::admission {

struct VerdictCacheOptions {
  size_t maxEntries = 4096;
  std::chrono::seconds ttl{300};
};

// Verdicts on an image's content by key (requirement, repository, digest), each kept for a
// while; the oldest goes when the cache is full. Safe from any thread.
template <typename Verdict>
class VerdictCache {
 public:
  VerdictCache(const common::Clock& clock, VerdictCacheOptions options)
      : clock_(clock), options_(options) {}

  std::optional<Verdict> find(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (clock_.monotonic() < it->second.expires) return it->second.verdict;
    order_.erase(it->second.age);
    entries_.erase(it);
    return std::nullopt;
  }

  void remember(const std::string& key, const Verdict& verdict) {
    if (options_.maxEntries == 0) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (entries_.count(key)) return;  // another review reached it meanwhile
    while (entries_.size() >= options_.maxEntries) {
      entries_.erase(order_.front());
      order_.pop_front();
    }
    order_.push_back(key);
    entries_.emplace(key,
                     Entry{verdict, clock_.monotonic() + options_.ttl, std::prev(order_.end())});
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_.size();
  }

 private:
  struct Entry {
    Verdict verdict;
    std::chrono::steady_clock::time_point expires;
    typename std::list<std::string>::iterator age;  // position in order_
  };
  const common::Clock& clock_;
  VerdictCacheOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;  // oldest first
};

}  // namespace berth::admission
