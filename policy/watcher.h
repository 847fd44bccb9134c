#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/log.h"
#include "common/metrics.h"
#include "policy/loader.h"

namespace berth::policy {

// Keeps the policy of a file or directory current. Kubernetes updates a mounted ConfigMap by
// swapping its "..data" symlink, so the watcher fingerprints what the files resolve to (inode,
// size, mtime) and reloads when that changes. A reload builds a new snapshot and swaps it
// atomically; a bad file keeps the last good policy, logs the error and counts it.
class PolicyWatcher : public PolicySource {
 public:
  PolicyWatcher(std::string path, LoadOptions options, common::Logger& logger,
                common::Metrics& metrics);
  ~PolicyWatcher() override;

  // Loads once; a bad policy at start is an error (the server refuses to start on it).
  common::Status loadInitial();
  // Polls every interval on a background thread until stop().
  void start(std::chrono::milliseconds interval);
  void stop();
  // Checks for a change now; true when a new snapshot was installed.
  bool checkNow();

  PolicySnapshot current() const override;

 private:
  std::string fingerprint() const;
  bool reload(const std::string& print);

  std::string path_;
  LoadOptions options_;
  common::Logger& logger_;
  common::Counter& reloads_;
  common::Counter& reloadErrors_;
  common::Gauge& lastReloadOk_;

  mutable std::mutex snapshotMutex_;
  PolicySnapshot snapshot_;
  std::string lastFingerprint_;
  std::string lastFailedFingerprint_;
  std::mutex checkMutex_;  // one check at a time (poll thread and SIGHUP)

  std::mutex threadMutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace berth::policy
