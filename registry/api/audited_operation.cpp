#include "registry/api/audited_operation.h"

namespace berth::registry {

std::optional<AuditOperation> auditedOperation(const Route& route, const std::string& method,
                                               bool mountParam, bool digestParam) {
  switch (route.kind) {
    case RouteKind::Manifest:
      if (method == "GET") return AuditOperation::PullManifest;
      if (method == "PUT") return AuditOperation::PushManifest;
      if (method == "DELETE") {
        return route.referenceIsDigest ? AuditOperation::DeleteManifest : AuditOperation::DeleteTag;
      }
      return std::nullopt;
    case RouteKind::Blob:
      if (method == "GET") return AuditOperation::PullBlob;
      if (method == "DELETE") return AuditOperation::DeleteBlob;
      return std::nullopt;
    case RouteKind::UploadStart:
      // A mount wins over a digest, as in the handler: the spec's mount request may carry both.
      if (method != "POST") return std::nullopt;
      if (mountParam) return AuditOperation::MountBlob;
      if (digestParam) return AuditOperation::PushBlob;
      return std::nullopt;
    case RouteKind::Upload:
      if (method == "PUT") return AuditOperation::PushBlob;
      return std::nullopt;
    case RouteKind::Base:
    case RouteKind::Catalog:
    case RouteKind::Token:
    case RouteKind::Tags:
    case RouteKind::Referrers:
      break;
  }
  return std::nullopt;
}

}  // namespace berth::registry
