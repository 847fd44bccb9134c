#include "registry/storage/upload_quota.h"

#include "common/rate_limiter.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

std::string sessionKey(const std::string& repository, const std::string& id) {
  return repository + "@" + id;
}

void decrement(std::map<std::string, int64_t>& counts, const std::string& key) {
  auto it = counts.find(key);
  if (it == counts.end()) return;
  if (--it->second <= 0) counts.erase(it);
}

}  // namespace

UploadQuota::UploadQuota(UploadQuotaOptions options) : options_(std::move(options)) {}

void UploadQuota::refused(const char* limit) const {
  if (options_.onRefusal) options_.onRefusal(limit);
}

common::Status UploadQuota::open(const std::string& owner, const std::string& repository,
                                 const std::string& id) {
  if (owner.empty()) return {};
  std::lock_guard lock(mutex_);
  auto count = [](const std::map<std::string, int64_t>& counts, const std::string& key) {
    auto it = counts.find(key);
    return it == counts.end() ? int64_t{0} : it->second;
  };
  if (options_.maxPerOwner > 0 && count(byOwner_, owner) >= options_.maxPerOwner) {
    refused("maxUploadSessionsPerUser");
    return Error{ErrorCode::TooManyRequests,
                 "too many open upload sessions: " + std::to_string(options_.maxPerOwner) +
                     " per user (registry.limits.maxUploadSessionsPerUser); complete or cancel "
                     "one, or wait for it to expire",
                 owner};
  }
  if (options_.maxPerRepository > 0 &&
      count(byRepository_, repository) >= options_.maxPerRepository) {
    refused("maxUploadSessionsPerRepository");
    return Error{ErrorCode::TooManyRequests,
                 "too many open upload sessions in this repository: " +
                     std::to_string(options_.maxPerRepository) +
                     " (registry.limits.maxUploadSessionsPerRepository); retry later",
                 repository};
  }
  sessions_[sessionKey(repository, id)] = Holder{owner, repository};
  ++byOwner_[owner];
  ++byRepository_[repository];
  return {};
}

void UploadQuota::close(const std::string& repository, const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(sessionKey(repository, id));
  if (it == sessions_.end()) return;
  decrement(byOwner_, it->second.owner);
  decrement(byRepository_, it->second.repository);
  sessions_.erase(it);
}

common::Status UploadQuota::checkBlobSize(uint64_t size) {
  if (options_.maxBlobBytes <= 0 || size <= static_cast<uint64_t>(options_.maxBlobBytes)) {
    return {};
  }
  refused("maxBlobBytes");
  return Error{ErrorCode::PayloadTooLarge,
               "blob exceeds the limit of " + std::to_string(options_.maxBlobBytes) +
                   " bytes (registry.limits.maxBlobBytes); the upload is discarded"};
}

std::string uploadOwner(const std::string& account, const std::string& clientAddress) {
  if (!account.empty()) return "user " + account;
  return "address " + common::clientAddressKey(clientAddress);
}

size_t UploadQuota::openSessions() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace berth::registry
