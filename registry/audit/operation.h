#pragma once

#include <optional>
#include <string_view>

namespace berth::registry {

// What an audited request did with content. The names are the audit log's "operation" field,
// which readers of old logs and `berth audit` match on: they never change.
enum class AuditOperation {
  PullManifest,
  PushManifest,
  DeleteManifest,
  DeleteTag,
  PullBlob,
  PushBlob,
  MountBlob,
  DeleteBlob,
  ProxyFetchManifest,  // the pull-through cache fetched a manifest from its upstream
  ProxyFetchBlob,
};

std::string_view auditOperationName(AuditOperation operation);
std::optional<AuditOperation> parseAuditOperation(std::string_view name);

}  // namespace berth::registry
