#include "registry/storage/store_maintenance.h"

#include <algorithm>
#include <chrono>

namespace berth::registry {

StoreMaintenance::StoreMaintenance(StorageDriver& driver, BlobStore& blobs, UploadStore& uploads,
                                   StoreMaintenanceOptions options, common::Logger& logger,
                                   const common::Clock& clock, UsageSink onMeasured)
    : driver_(driver),
      blobs_(blobs),
      uploads_(uploads),
      options_(options),
      logger_(logger),
      clock_(clock),
      onMeasured_(std::move(onMeasured)),
      // Half the expiry, so a session is removed at most 1.5 expiries after its last write.
      expiryTick_(std::clamp<int64_t>(options.uploadExpirySeconds / 2, 1,
                                      std::max<int64_t>(1, options.maxExpiryTickSeconds))),
      nextExpiry_(clock.unixSeconds() + expiryTick_),
      nextGc_(options.gcIntervalSeconds > 0 ? clock.unixSeconds() + options.gcIntervalSeconds : 0) {
}

StoreMaintenance::~StoreMaintenance() { stop(); }

void StoreMaintenance::runDue() {
  const int64_t now = clock_.unixSeconds();
  if (now >= nextExpiry_) {
    if (auto expired = uploads_.expire(now); expired && *expired > 0) {
      logger_.info("expired upload sessions", {{"count", *expired}});
    }
    nextExpiry_ = now + expiryTick_;
  }
  if (nextGc_ > 0 && now >= nextGc_) {
    GarbageCollector gc(driver_, logger_, &blobs_.commitLock());
    GcOptions gcOptions;
    gcOptions.uploadExpirySeconds = options_.uploadExpirySeconds;
    // A blob pushed just before a pass is not yet referenced: spare what one interval wrote.
    gcOptions.graceSeconds = std::max<int64_t>(gcOptions.graceSeconds, options_.gcIntervalSeconds);
    if (auto report = gc.run(gcOptions, now); !report) {
      logger_.error("gc failed",
                    {{"error", report.error().message}, {"detail", report.error().detail}});
    }
    if (options_.measuresStore && onMeasured_) {
      if (auto usage = measureStore(driver_)) onMeasured_(*usage);
    }
    nextGc_ = now + options_.gcIntervalSeconds;
  }
}

void StoreMaintenance::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, std::chrono::seconds(1));
      if (stopping_) break;
      lock.unlock();
      runDue();
      lock.lock();
    }
  });
}

void StoreMaintenance::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace berth::registry
