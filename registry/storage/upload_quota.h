#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "common/result.h"

namespace berth::registry {

struct UploadQuotaOptions {
  int64_t maxPerOwner = 0;       // 0: no limit
  int64_t maxPerRepository = 0;  // 0: no limit
  int64_t maxBlobBytes = 0;      // 0: no limit
  // Told the config key of every limit that refused something (the refusal counter).
  std::function<void(const char* limit)> onRefusal;
};

// What one process lets pushers hold: open upload sessions per owner (a user, or the client
// address of an anonymous one) and per repository, and the size of one blob. Sessions are
// counted in memory from start to complete, cancel or expiry, so each replica counts the
// sessions started through it, and sessions of a previous run are not counted at all (they end
// by expiry). The upload store calls it; handlers only name the owner.
class UploadQuota {
 public:
  explicit UploadQuota(UploadQuotaOptions options);

  // Counts session `id` of `repository` for `owner`; TOOMANYREQUESTS naming the limit when the
  // owner or the repository already holds its maximum. An empty owner is not counted (sessions
  // the registry opens itself, e.g. to cache an upstream blob).
  common::Status open(const std::string& owner, const std::string& repository,
                      const std::string& id);
  // Ends the count of a session; unknown ids are ignored (ended already, or of a previous run).
  void close(const std::string& repository, const std::string& id);
  // SIZE_INVALID (413) naming the limit when a blob of `size` bytes is too large.
  common::Status checkBlobSize(uint64_t size);
  int64_t maxBlobBytes() const { return options_.maxBlobBytes; }

  size_t openSessions() const;

 private:
  struct Holder {
    std::string owner;
    std::string repository;
  };
  void refused(const char* limit) const;

  UploadQuotaOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, Holder> sessions_;  // by repository@id
  std::map<std::string, int64_t> byOwner_;
  std::map<std::string, int64_t> byRepository_;
};

// Who a session counts against: the user, or for an anonymous client its address (as
// clientAddressKey() groups it).
std::string uploadOwner(const std::string& account, const std::string& clientAddress);

}  // namespace berth::registry
