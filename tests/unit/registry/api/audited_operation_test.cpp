#include "registry/api/audited_operation.h"

#include <gtest/gtest.h>

namespace berth::registry {
namespace {

Route route(RouteKind kind, bool digest = false) {
  return Route{kind, "team/app", digest ? "sha256:" + std::string(64, 'a') : "v1", digest};
}

TEST(AuditedOperationTest, NamesEveryRequestThatMovesContent) {
  EXPECT_EQ(auditedOperation(route(RouteKind::Manifest), "GET", false, false),
            AuditOperation::PullManifest);
  EXPECT_EQ(auditedOperation(route(RouteKind::Manifest), "PUT", false, false),
            AuditOperation::PushManifest);
  EXPECT_EQ(auditedOperation(route(RouteKind::Manifest), "DELETE", false, false),
            AuditOperation::DeleteTag);
  EXPECT_EQ(auditedOperation(route(RouteKind::Manifest, true), "DELETE", false, false),
            AuditOperation::DeleteManifest);
  EXPECT_EQ(auditedOperation(route(RouteKind::Blob, true), "GET", false, false),
            AuditOperation::PullBlob);
  EXPECT_EQ(auditedOperation(route(RouteKind::Blob, true), "DELETE", false, false),
            AuditOperation::DeleteBlob);
  EXPECT_EQ(auditedOperation(route(RouteKind::UploadStart), "POST", false, true),
            AuditOperation::PushBlob);
  EXPECT_EQ(auditedOperation(route(RouteKind::UploadStart), "POST", true, false),
            AuditOperation::MountBlob);
  // The spec's mount request may also name the digest: it is a mount.
  EXPECT_EQ(auditedOperation(route(RouteKind::UploadStart), "POST", true, true),
            AuditOperation::MountBlob);
  EXPECT_EQ(auditedOperation(route(RouteKind::Upload), "PUT", false, true),
            AuditOperation::PushBlob);
}

TEST(AuditedOperationTest, LeavesOutRequestsThatMoveNoContent) {
  EXPECT_EQ(auditedOperation(route(RouteKind::Manifest), "HEAD", false, false), std::nullopt);
  EXPECT_EQ(auditedOperation(route(RouteKind::Blob, true), "HEAD", false, false), std::nullopt);
  EXPECT_EQ(auditedOperation(route(RouteKind::UploadStart), "POST", false, false), std::nullopt);
  EXPECT_EQ(auditedOperation(route(RouteKind::Upload), "PATCH", false, false), std::nullopt);
  EXPECT_EQ(auditedOperation(route(RouteKind::Upload), "GET", false, false), std::nullopt);
  EXPECT_EQ(auditedOperation(route(RouteKind::Upload), "DELETE", false, false), std::nullopt);
  for (RouteKind kind : {RouteKind::Base, RouteKind::Catalog, RouteKind::Token, RouteKind::Tags,
                         RouteKind::Referrers}) {
    EXPECT_EQ(auditedOperation(route(kind), "GET", false, false), std::nullopt)
        << routeKindName(kind);
  }
}

}  // namespace
}  // namespace berth::registry
