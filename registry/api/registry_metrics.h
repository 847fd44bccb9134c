#pragma once

#include <cstdint>
#include <string>

#include "common/metrics.h"

namespace berth::registry {

// The registry's Prometheus series. Families are registered once here, so names and help
// texts live in one place.
class RegistryMetrics {
 public:
  explicit RegistryMetrics(common::Metrics& metrics);

  void request(const std::string& operation, int status, double seconds);
  void received(uint64_t bytes) { bytesIn_.inc(static_cast<double>(bytes)); }
  void sent(uint64_t bytes) { bytesOut_.inc(static_cast<double>(bytes)); }
  void blobAdded(uint64_t bytes);
  void blobRemoved(uint64_t bytes);
  void setStored(uint64_t bytes, uint64_t blobs);
  // A request refused by one of registry.limits, named by its key ("requestsPerSecond", ...).
  void limitRefused(const std::string& limit);

 private:
  common::Metrics& metrics_;
  common::Counter& bytesIn_;
  common::Counter& bytesOut_;
  common::Gauge& storedBytes_;
  common::Gauge& blobCount_;
};

}  // namespace berth::registry
