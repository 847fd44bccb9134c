// TEMPORARY: compiled only while registry/audit_log.cpp (owned by the auth work stream) does
// not exist. Refuses a configured audit path rather than silently dropping events.
#include "registry/audit_log.h"

namespace berth::registry {

namespace {

class DisabledAuditLog final : public AuditLog {
 public:
  bool enabled() const override { return false; }
  void record(const AuditEvent&) override {}
};

}  // namespace

common::Result<std::unique_ptr<AuditLog>> AuditLog::open(const common::AuditConfig& config) {
  if (!config.path.empty()) {
    return common::Error{common::ErrorCode::Unavailable,
                         "the audit log is not available in this build"};
  }
  return std::unique_ptr<AuditLog>(std::make_unique<DisabledAuditLog>());
}

}  // namespace berth::registry
