// Immutable tags: a policy rule with action immutable-tags protects matching tags from being
// moved or deleted, while re-pushing the same manifest stays allowed.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

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

// Two replicas on one storage directory (a shared volume): each process locks only its own
// tags, so only the storage's create-only write keeps them from both creating the first version.
TEST(RegistryImmutableReplicasTest, TwoServersOnOneStorageNeverBothCreateTheTag) {
  TempDir shared, dirA, dirB;
  const std::vector<std::string> args = {
      "--storage", shared.path() + "/storage", "--policy",
      sourcePath("tests/fixtures/registry/release_immutable_policy.yaml")};
  BerthServer a(args, dirA.path());
  BerthServer b(args, dirB.path());
  HttpClient clientA("127.0.0.1", a.registryPort());
  HttpClient clientB("127.0.0.1", b.registryPort());
  const std::string config = R"({"architecture":"amd64","os":"linux"})";
  pushBlob(clientA, "release/app", config);
  pushBlob(clientA, "release/app", "layer a");
  pushBlob(clientA, "release/app", "layer b");
  const std::string manifestA = imageManifest(config, {"layer a"});
  const std::string manifestB = imageManifest(config, {"layer b"});

  for (int round = 0; round < 25; ++round) {
    const std::string tag = "1." + std::to_string(round);
    HttpResponse answerA, answerB;
    std::atomic<bool> go{false};
    std::thread pushA([&] {
      while (!go.load()) std::this_thread::yield();
      answerA = putManifest(clientA, "release/app", tag, manifestA);
    });
    std::thread pushB([&] {
      while (!go.load()) std::this_thread::yield();
      answerB = putManifest(clientB, "release/app", tag, manifestB);
    });
    go = true;
    pushA.join();
    pushB.join();

    SCOPED_TRACE("round " + std::to_string(round));
    ASSERT_TRUE((answerA.status == 201) != (answerB.status == 201))
        << "exactly one creates the tag: " << answerA.status << " " << answerA.body << " / "
        << answerB.status << " " << answerB.body;
    const HttpResponse& lost = answerA.status == 201 ? answerB : answerA;
    const std::string winner = sha256Of(answerA.status == 201 ? manifestA : manifestB);
    EXPECT_EQ(lost.status, 403);
    EXPECT_EQ(errorCode(lost), "DENIED");
    EXPECT_NE(lost.body.find("is immutable (policy rule 'release-tags-are-immutable')"),
              std::string::npos)
        << lost.body;
    const std::string path = "/v2/release/app/manifests/" + tag;
    EXPECT_EQ(clientA.request("HEAD", path).header("Docker-Content-Digest"), winner);
    EXPECT_EQ(clientB.request("HEAD", path).header("Docker-Content-Digest"), winner);
  }
}

}  // namespace
}  // namespace berth::testing
