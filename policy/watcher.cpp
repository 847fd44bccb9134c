#include "policy/watcher.h"

#include <sys/stat.h>

#include <filesystem>

#include "policy/compiled_policy.h"

namespace berth::policy {

PolicyWatcher::PolicyWatcher(std::string path, LoadOptions options, common::Logger& logger,
                             common::Metrics& metrics)
    : path_(std::move(path)),
      options_(std::move(options)),
      logger_(logger),
      reloads_(metrics.counter("berth_policy_reloads_total", "Policy loads that succeeded")),
      reloadErrors_(metrics.counter("berth_policy_reload_errors_total",
                                    "Policy reloads that failed; the last good policy stays")),
      lastReloadOk_(metrics.gauge("berth_policy_last_reload_success",
                                  "1 when the last policy load succeeded, 0 when it failed")) {}

PolicyWatcher::~PolicyWatcher() { stop(); }

// What the policy files resolve to now. Kubernetes replaces a ConfigMap volume by pointing
// "..data" at a new directory, which changes every resolved inode even when sizes and mtimes
// do not, so inodes are part of the print.
std::string PolicyWatcher::fingerprint() const {
  if (path_.empty()) return {};
  std::string listError;
  std::string print;
  for (const auto& file : listPolicyFiles(path_, &listError)) {
    struct stat st {};
    if (stat(file.c_str(), &st) != 0) {
      print += file + ":missing;";
      continue;
    }
    print += file + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
             std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ";";
  }
  return print + listError;
}

common::Status PolicyWatcher::loadInitial() {
  const std::string print = fingerprint();
  auto loaded = loadPolicyPath(path_, options_);
  if (!loaded) {
    reloadErrors_.inc();
    lastReloadOk_.set(0);
    return common::Error{loaded.error().code, "invalid policy:\n" + loaded.error().message};
  }
  {
    std::lock_guard lock(snapshotMutex_);
    snapshot_ = std::move(loaded).value();
    lastFingerprint_ = print;
  }
  reloads_.inc();
  lastReloadOk_.set(1);
  logger_.info("policy loaded", {{"path", path_},
                                 {"files", current()->files.size()},
                                 {"policies", current()->documents.size()}});
  return {};
}

bool PolicyWatcher::reload(const std::string& print) {
  auto loaded = loadPolicyPath(path_, options_);
  if (!loaded) {
    reloadErrors_.inc();
    lastReloadOk_.set(0);
    lastFailedFingerprint_ = print;
    logger_.error("policy reload failed; keeping the last good policy",
                  {{"path", path_}, {"error", loaded.error().message}});
    return false;
  }
  {
    std::lock_guard lock(snapshotMutex_);
    snapshot_ = std::move(loaded).value();
    lastFingerprint_ = print;
  }
  lastFailedFingerprint_.clear();
  reloads_.inc();
  lastReloadOk_.set(1);
  logger_.info("policy reloaded", {{"path", path_},
                                   {"files", current()->files.size()},
                                   {"policies", current()->documents.size()}});
  return true;
}

bool PolicyWatcher::checkNow() {
  std::lock_guard lock(checkMutex_);
  const std::string print = fingerprint();
  // A failed version is reported once, not on every poll.
  if (print == lastFingerprint_ || print == lastFailedFingerprint_) return false;
  return reload(print);
}

void PolicyWatcher::start(std::chrono::milliseconds interval) {
  if (thread_.joinable()) return;
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(threadMutex_);
    while (!stopping_) {
      wake_.wait_for(lock, interval, [this] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      checkNow();
      lock.lock();
    }
  });
}

void PolicyWatcher::stop() {
  {
    std::lock_guard lock(threadMutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

PolicySnapshot PolicyWatcher::current() const {
  std::lock_guard lock(snapshotMutex_);
  return snapshot_;
}

}  // namespace berth::policy
