#include "policy/watcher.h"

namespace berth::policy {

PolicyWatcher::PolicyWatcher(std::string path, LoadOptions options, common::Logger& logger,
                             common::Metrics& metrics)
    : path_(std::move(path)),
      options_(std::move(options)),
      logger_(logger),
      reloads_(metrics.counter("berth_policy_reloads_total", "Policy reloads that succeeded")),
      reloadErrors_(metrics.counter("berth_policy_reload_errors_total",
                                    "Policy reloads that failed; the last good policy stays")),
      lastReloadOk_(metrics.gauge("berth_policy_last_reload_success",
                                  "1 when the last policy load succeeded")) {}

PolicyWatcher::~PolicyWatcher() { stop(); }

common::Status PolicyWatcher::loadInitial() {
  std::lock_guard lock(snapshotMutex_);
  snapshot_ = emptyPolicy(options_);
  return {};
}

void PolicyWatcher::start(std::chrono::milliseconds) {}
void PolicyWatcher::stop() {}
bool PolicyWatcher::checkNow() { return false; }

PolicySnapshot PolicyWatcher::current() const {
  std::lock_guard lock(snapshotMutex_);
  return snapshot_;
}

}  // namespace berth::policy
