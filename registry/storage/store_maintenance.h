#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "common/log.h"
#include "registry/storage/blob_store.h"
#include "registry/storage/driver/storage_driver.h"
#include "registry/storage/garbage_collector.h"
#include "registry/storage/upload_store.h"

namespace berth::registry {

struct StoreMaintenanceOptions {
  int64_t uploadExpirySeconds = 86400;
  int64_t gcIntervalSeconds = 0;  // 0: no online garbage collection
  // Each expiry pass walks the repository tree: a few directory reads on a disk, paid LIST
  // requests on S3 (made by every replica), so the pass interval is capped per backend.
  int64_t maxExpiryTickSeconds = 60;
  // Measuring after a GC pass reads every blob's size (one HEAD each on S3).
  bool measuresStore = true;
};

// The store's background work on a live server: expiring abandoned upload sessions and, when
// configured, online garbage collection, each when it falls due on the injected clock.
class StoreMaintenance {
 public:
  using UsageSink = std::function<void(const StoreUsage&)>;

  StoreMaintenance(StorageDriver& driver, BlobStore& blobs, UploadStore& uploads,
                   StoreMaintenanceOptions options, common::Logger& logger,
                   const common::Clock& clock, UsageSink onMeasured);
  ~StoreMaintenance();
  StoreMaintenance(const StoreMaintenance&) = delete;
  StoreMaintenance& operator=(const StoreMaintenance&) = delete;

  // Runs what is due at the clock's time: a thread started by start() calls this once a second.
  void runDue();
  void start();
  void stop();

 private:
  StorageDriver& driver_;
  BlobStore& blobs_;
  UploadStore& uploads_;
  const StoreMaintenanceOptions options_;
  common::Logger& logger_;
  const common::Clock& clock_;
  UsageSink onMeasured_;
  int64_t expiryTick_;
  int64_t nextExpiry_;
  int64_t nextGc_;  // 0: never

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace berth::registry
