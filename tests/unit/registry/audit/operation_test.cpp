#include "registry/audit/operation.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace berth::registry {
namespace {

constexpr AuditOperation kEvery[] = {
    AuditOperation::PullManifest,       AuditOperation::PushManifest,
    AuditOperation::DeleteManifest,     AuditOperation::DeleteTag,
    AuditOperation::PullBlob,           AuditOperation::PushBlob,
    AuditOperation::MountBlob,          AuditOperation::DeleteBlob,
    AuditOperation::ProxyFetchManifest, AuditOperation::ProxyFetchBlob,
};

TEST(AuditOperationTest, EveryOperationHasItsOwnNameThatParsesBack) {
  std::set<std::string> names;
  for (AuditOperation operation : kEvery) {
    const auto name = auditOperationName(operation);
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(std::string(name)).second) << name;
    EXPECT_EQ(parseAuditOperation(name), operation) << name;
  }
}

// Old logs and `berth audit` filters match these exact strings.
TEST(AuditOperationTest, NamesAreTheLogFormat) {
  EXPECT_EQ(auditOperationName(AuditOperation::PullManifest), "pull-manifest");
  EXPECT_EQ(auditOperationName(AuditOperation::DeleteTag), "delete-tag");
  EXPECT_EQ(auditOperationName(AuditOperation::MountBlob), "mount-blob");
  EXPECT_EQ(auditOperationName(AuditOperation::ProxyFetchBlob), "proxy-fetch-blob");
}

TEST(AuditOperationTest, UnknownNamesDoNotParse) {
  EXPECT_FALSE(parseAuditOperation(""));
  EXPECT_FALSE(parseAuditOperation("Pull-Manifest"));
  EXPECT_FALSE(parseAuditOperation("pull-manifest "));
}

}  // namespace
}  // namespace berth::registry
