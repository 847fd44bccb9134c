#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/config.h"
#include "common/result.h"
#include "registry/audit/operation.h"

namespace berth::registry {

// One request that read or changed content.
struct AuditEvent {
  std::string clientAddress;
  std::string user;  // "" for anonymous
  std::string userAgent;
  AuditOperation operation = AuditOperation::PullManifest;
  std::string repository;
  std::string reference;  // tag or digest as requested
  std::string digest;     // the content's digest when known
  int status = 0;
  uint64_t bytes = 0;
  double durationSeconds = 0.0;
};

// Appends one JSON line per event to a file or standard output; thread-safe. A disabled log
// (empty path) drops events at no cost.
class AuditLog {
 public:
  static common::Result<std::unique_ptr<AuditLog>> open(const common::AuditConfig& config);
  virtual ~AuditLog() = default;
  virtual bool enabled() const = 0;
  virtual void record(const AuditEvent& event) = 0;
};

}  // namespace berth::registry
