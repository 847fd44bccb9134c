#include "registry/api/registry_metrics.h"

namespace berth::registry {

RegistryMetrics::RegistryMetrics(common::Metrics& metrics)
    : metrics_(metrics),
      bytesIn_(metrics.counter("berth_registry_received_bytes_total",
                               "Bytes of blob and manifest content received")),
      bytesOut_(metrics.counter("berth_registry_sent_bytes_total",
                                "Bytes of blob and manifest content sent")),
      storedBytes_(metrics.gauge("berth_registry_stored_bytes", "Bytes of stored blobs")),
      blobCount_(metrics.gauge("berth_registry_blobs", "Number of stored blobs")) {}

void RegistryMetrics::request(const std::string& operation, int status, double seconds) {
  metrics_
      .counter("berth_registry_requests_total", "Registry requests by operation and status",
               {{"operation", operation}, {"status", std::to_string(status)}})
      .inc();
  metrics_
      .histogram("berth_registry_request_duration_seconds",
                 "Time to handle a registry request (until the response starts)",
                 {{"operation", operation}})
      .observe(seconds);
}

void RegistryMetrics::blobAdded(uint64_t bytes) {
  storedBytes_.add(static_cast<double>(bytes));
  blobCount_.add(1);
}

void RegistryMetrics::blobRemoved(uint64_t bytes) {
  storedBytes_.add(-static_cast<double>(bytes));
  blobCount_.add(-1);
}

void RegistryMetrics::setStored(uint64_t bytes, uint64_t blobs) {
  storedBytes_.set(static_cast<double>(bytes));
  blobCount_.set(static_cast<double>(blobs));
}

void RegistryMetrics::limitRefused(const std::string& limit) {
  metrics_
      .counter("berth_registry_limit_refusals_total",
               "Requests refused by a registry.limits setting, by the setting", {{"limit", limit}})
      .inc();
}

}  // namespace berth::registry
