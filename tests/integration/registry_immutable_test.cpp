// Immutable tags: a policy rule with action immutable-tags protects matching tags from being
// moved or deleted, while re-pushing the same manifest stays allowed.
#include <gtest/gtest.h>

#include "tests/integration/registry_test_support.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::testing {
namespace {

class RegistryImmutableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<BerthServer>(
        std::vector<std::string>{
            "--policy", sourcePath("tests/fixtures/registry/release_immutable_policy.yaml")},
        dir_.path());
  }
  TempDir dir_;
  std::unique_ptr<BerthServer> server_;
};

TEST_F(RegistryImmutableTest, ReleaseTagsCannotMoveOrBeDeleted) {
  HttpClient c("127.0.0.1", server_->registryPort());
  const std::string first = pushImage(c, "release/app", "1.0", "first");

  // The identical manifest again: allowed.
  const std::string config = R"({"architecture":"amd64","os":"linux","seed":"first"})";
  const std::string same = imageManifest(config, {"layer of first"});
  ASSERT_EQ(sha256Of(same), first);
  EXPECT_EQ(putManifest(c, "release/app", "1.0", same).status, 201);

  // Different content under the same tag: refused, naming the rule.
  pushBlob(c, "release/app", "other layer");
  const std::string other = imageManifest(config, {"other layer"});
  auto moved = putManifest(c, "release/app", "1.0", other);
  EXPECT_EQ(moved.status, 403);
  EXPECT_EQ(errorCode(moved), "DENIED");
  EXPECT_NE(moved.body.find("release-tags-are-immutable"), std::string::npos) << moved.body;
  EXPECT_EQ(c.request("HEAD", "/v2/release/app/manifests/1.0").header("Docker-Content-Digest"),
            first);

  // A new tag is fine; the content may also be pushed by digest.
  EXPECT_EQ(putManifest(c, "release/app", "1.1", other).status, 201);
  EXPECT_EQ(putManifest(c, "release/app", sha256Of(other), other).status, 201);

  auto deleteTag = c.request("DELETE", "/v2/release/app/manifests/1.0");
  EXPECT_EQ(deleteTag.status, 403);
  EXPECT_NE(deleteTag.body.find("release-tags-are-immutable"), std::string::npos);
  auto deleteDigest = c.request("DELETE", "/v2/release/app/manifests/" + first);
  EXPECT_EQ(deleteDigest.status, 403);
  EXPECT_EQ(c.get("/v2/release/app/manifests/1.0").status, 200);
}

TEST_F(RegistryImmutableTest, OtherRepositoriesStayMutable) {
  HttpClient c("127.0.0.1", server_->registryPort());
  pushImage(c, "team/app", "1.0", "first");
  const std::string second = pushImage(c, "team/app", "1.0", "second");
  EXPECT_EQ(c.request("HEAD", "/v2/team/app/manifests/1.0").header("Docker-Content-Digest"),
            second);
  EXPECT_EQ(c.request("DELETE", "/v2/team/app/manifests/1.0").status, 202);
}

}  // namespace
}  // namespace berth::testing
