#include "registry/audit/operation.h"

#include <array>
#include <utility>

namespace berth::registry {

namespace {

constexpr std::array<std::pair<AuditOperation, std::string_view>, 10> kNames{{
    {AuditOperation::PullManifest, "pull-manifest"},
    {AuditOperation::PushManifest, "push-manifest"},
    {AuditOperation::DeleteManifest, "delete-manifest"},
    {AuditOperation::DeleteTag, "delete-tag"},
    {AuditOperation::PullBlob, "pull-blob"},
    {AuditOperation::PushBlob, "push-blob"},
    {AuditOperation::MountBlob, "mount-blob"},
    {AuditOperation::DeleteBlob, "delete-blob"},
    {AuditOperation::ProxyFetchManifest, "proxy-fetch-manifest"},
    {AuditOperation::ProxyFetchBlob, "proxy-fetch-blob"},
}};

}  // namespace

std::string_view auditOperationName(AuditOperation operation) {
  for (const auto& [value, name] : kNames) {
    if (value == operation) return name;
  }
  return "unknown";
}

std::optional<AuditOperation> parseAuditOperation(std::string_view name) {
  for (const auto& [value, known] : kNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

}  // namespace berth::registry
