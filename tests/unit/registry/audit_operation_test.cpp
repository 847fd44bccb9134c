#include "registry/audit_operation.h"

#include <gtest/gtest.h>

namespace berth::registry {
namespace {

Route route(RouteKind kind, bool digest = false) {
  return Route{kind, "team/app", digest ? "sha256:" + std::string(64, 'a') : "v1", digest};
}

TEST(AuditOperationTest, NamesEveryRequestThatMovesContent) {
  EXPECT_EQ(auditOperation(route(RouteKind::Manifest), "GET", false, false), "pull-manifest");
  EXPECT_EQ(auditOperation(route(RouteKind::Manifest), "PUT", false, false), "push-manifest");
  EXPECT_EQ(auditOperation(route(RouteKind::Manifest), "DELETE", false, false), "delete-tag");
  EXPECT_EQ(auditOperation(route(RouteKind::Manifest, true), "DELETE", false, false),
            "delete-manifest");
  EXPECT_EQ(auditOperation(route(RouteKind::Blob, true), "GET", false, false), "pull-blob");
  EXPECT_EQ(auditOperation(route(RouteKind::Blob, true), "DELETE", false, false), "delete-blob");
  EXPECT_EQ(auditOperation(route(RouteKind::UploadStart), "POST", false, true), "push-blob");
  EXPECT_EQ(auditOperation(route(RouteKind::UploadStart), "POST", true, false), "mount-blob");
  // The spec's mount request may also name the digest: it is a mount.
  EXPECT_EQ(auditOperation(route(RouteKind::UploadStart), "POST", true, true), "mount-blob");
  EXPECT_EQ(auditOperation(route(RouteKind::Upload), "PUT", false, true), "push-blob");
}

TEST(AuditOperationTest, LeavesOutRequestsThatMoveNoContent) {
  EXPECT_EQ(auditOperation(route(RouteKind::Manifest), "HEAD", false, false), "");
  EXPECT_EQ(auditOperation(route(RouteKind::Blob, true), "HEAD", false, false), "");
  EXPECT_EQ(auditOperation(route(RouteKind::UploadStart), "POST", false, false), "");
  EXPECT_EQ(auditOperation(route(RouteKind::Upload), "PATCH", false, false), "");
  EXPECT_EQ(auditOperation(route(RouteKind::Upload), "GET", false, false), "");
  EXPECT_EQ(auditOperation(route(RouteKind::Upload), "DELETE", false, false), "");
  for (RouteKind kind : {RouteKind::Base, RouteKind::Catalog, RouteKind::Token, RouteKind::Tags,
                         RouteKind::Referrers}) {
    EXPECT_EQ(auditOperation(route(kind), "GET", false, false), "") << routeKindName(kind);
  }
}

}  // namespace
}  // namespace berth::registry
