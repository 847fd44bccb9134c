#include "registry/storage/repositories.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "registry/storage/driver/filesystem/filesystem_driver.h"
#include "tests/support/temp_dir.h"

namespace berth::registry {
namespace {

using common::ErrorCode;

// Tags named in the map are immutable under the rule it names.
class FixedTagRules final : public TagRules {
 public:
  explicit FixedTagRules(std::map<std::string, std::string> immutable)
      : immutable_(std::move(immutable)) {}
  common::Result<std::optional<std::string>> immutableRule(const std::string&,
                                                           const std::string& tag) const override {
    auto it = immutable_.find(tag);
    if (it == immutable_.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }

 private:
  std::map<std::string, std::string> immutable_;
};

class RepositoriesTest : public ::testing::Test {
 protected:
  // An image manifest referencing one layer, with `salt` making each one distinct.
  struct Manifest {
    std::string bytes;
    oci::Digest digest;
    oci::ManifestInfo info;
  };
  Manifest manifest(const std::string& salt, bool pushLayer = true) {
    const std::string layer = "layer " + salt;
    const oci::Digest layerDigest = oci::digestOf(layer);
    if (pushLayer) {
      EXPECT_TRUE(blobs_.putBytes(layerDigest, layer));
      EXPECT_TRUE(blobs_.link("team/app", layerDigest));
    }
    Manifest m;
    m.bytes = R"({"schemaVersion":2,"salt":")" + salt + "\"}";
    m.digest = oci::digestOf(m.bytes);
    m.info.blobs = {layerDigest};
    return m;
  }
  common::Status put(const Manifest& m, const std::optional<std::string>& tag,
                     References references = References::MustExist) {
    return repositories_.putManifest("team/app", m.digest, m.bytes, m.info, tag, references,
                                     &rules_);
  }

  testing::TempDir dir_;
  FilesystemDriver driver_{dir_.path(), Durability::None};
  BlobStore blobs_{driver_};
  ManifestStore manifests_{driver_, blobs_, 4 << 20};
  Repositories repositories_{blobs_, manifests_};
  FixedTagRules rules_{{{"v1.0.0", "releases"}}};
};

TEST_F(RepositoriesTest, AMutableTagMovesAndIsDeleted) {
  const auto first = manifest("a");
  const auto second = manifest("b");
  ASSERT_TRUE(put(first, "latest"));
  ASSERT_TRUE(put(second, "latest"));
  EXPECT_EQ(*manifests_.resolveTag("team/app", "latest"), second.digest);
  auto removed = repositories_.deleteTag("team/app", "latest", &rules_);
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, second.digest);
  EXPECT_FALSE(manifests_.resolveTag("team/app", "latest"));
}

TEST_F(RepositoriesTest, AnImmutableTagIsWrittenOnceAndNeverMovedOrDeleted) {
  const auto first = manifest("a");
  const auto second = manifest("b");
  ASSERT_TRUE(put(first, "v1.0.0"));
  ASSERT_TRUE(put(first, "v1.0.0"));  // the same content again is no change

  auto moved = put(second, "v1.0.0");
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, ErrorCode::Denied);
  EXPECT_NE(moved.error().message.find("releases"), std::string::npos);
  EXPECT_EQ(*manifests_.resolveTag("team/app", "v1.0.0"), first.digest);

  auto deleted = repositories_.deleteTag("team/app", "v1.0.0", &rules_);
  ASSERT_FALSE(deleted);
  EXPECT_EQ(deleted.error().code, ErrorCode::Denied);
  // Deleting the manifest by digest would drop the tag with it.
  auto byDigest = repositories_.deleteManifest("team/app", first.digest, &rules_);
  ASSERT_FALSE(byDigest);
  EXPECT_EQ(byDigest.error().code, ErrorCode::Denied);
  EXPECT_EQ(*manifests_.resolveTag("team/app", "v1.0.0"), first.digest);
}

TEST_F(RepositoriesTest, ConcurrentFirstWritesOfAnImmutableTagLeaveExactlyOneWinner) {
  std::vector<Manifest> candidates;
  for (int i = 0; i < 8; ++i) candidates.push_back(manifest("c" + std::to_string(i)));
  std::atomic<int> won{0};
  std::vector<std::thread> threads;
  for (const auto& m : candidates) {
    threads.emplace_back([&, m] {
      if (put(m, "v1.0.0")) ++won;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
}

TEST_F(RepositoriesTest, APushMustReferenceBlobsTheRepositoryHolds) {
  const auto missing = manifest("never pushed", /*pushLayer=*/false);
  auto refused = put(missing, "latest");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::ManifestBlobUnknown);
  EXPECT_FALSE(manifests_.exists("team/app", missing.digest));

  // A layer stored for another repository is not this one's to reference.
  const std::string layer = "someone else's layer";
  ASSERT_TRUE(blobs_.putBytes(oci::digestOf(layer), layer));
  ASSERT_TRUE(blobs_.link("other/app", oci::digestOf(layer)));
  Manifest borrowed = manifest("borrow", /*pushLayer=*/false);
  borrowed.info.blobs = {oci::digestOf(layer)};
  EXPECT_EQ(put(borrowed, std::nullopt).error().code, ErrorCode::ManifestBlobUnknown);
}

TEST_F(RepositoriesTest, ThePullThroughCacheStoresManifestsBeforeTheirBlobs) {
  const auto cached = manifest("from upstream", /*pushLayer=*/false);
  ASSERT_TRUE(repositories_.putManifest("team/app", cached.digest, cached.bytes, cached.info,
                                        "latest", References::FetchedLater, nullptr));
  EXPECT_EQ(*manifests_.resolveTag("team/app", "latest"), cached.digest);
}

TEST_F(RepositoriesTest, DeletingAnUnknownManifestSaysSo) {
  auto result = repositories_.deleteManifest("team/app", oci::digestOf("nothing"), &rules_);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::ManifestUnknown);
}

}  // namespace
}  // namespace berth::registry
