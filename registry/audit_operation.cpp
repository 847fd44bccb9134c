#include "registry/audit_operation.h"

namespace berth::registry {

std::string auditOperation(const Route& route, const std::string& method, bool mountParam,
                           bool digestParam) {
  switch (route.kind) {
    case RouteKind::Manifest:
      if (method == "GET") return "pull-manifest";
      if (method == "PUT") return "push-manifest";
      if (method == "DELETE") return route.referenceIsDigest ? "delete-manifest" : "delete-tag";
      return "";
    case RouteKind::Blob:
      if (method == "GET") return "pull-blob";
      if (method == "DELETE") return "delete-blob";
      return "";
    case RouteKind::UploadStart:
      // A mount wins over a digest, as in the handler: the spec's mount request may carry both.
      if (method != "POST") return "";
      if (mountParam) return "mount-blob";
      return digestParam ? "push-blob" : "";
    case RouteKind::Upload:
      return method == "PUT" ? "push-blob" : "";
    case RouteKind::Base:
    case RouteKind::Catalog:
    case RouteKind::Token:
    case RouteKind::Tags:
    case RouteKind::Referrers:
      break;
  }
  return "";
}

}  // namespace berth::registry
