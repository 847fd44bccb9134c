#include "registry/storage/garbage_collector.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "registry/storage/blob_store.h"
#include "registry/storage/driver/filesystem/filesystem_driver.h"
#include "registry/storage/manifest_store.h"
#include "registry/storage/paths.h"
#include "tests/support/temp_dir.h"

namespace berth::registry {
namespace {

constexpr int64_t kHour = 3600;

class GarbageCollectorTest : public ::testing::Test {
 protected:
  int64_t now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  oci::Digest storeBlob(const std::string& repo, const std::string& bytes, bool old) {
    const oci::Digest d = oci::digestOf(bytes);
    EXPECT_TRUE(blobs_.putBytes(d, bytes));
    EXPECT_TRUE(blobs_.link(repo, d));
    if (old) {
      std::filesystem::last_write_time(
          dir_.path() + paths::blobData(d),
          std::filesystem::file_time_type::clock::now() - std::chrono::hours(3));
    }
    return d;
  }
  std::string manifestFor(const oci::Digest& config, const oci::Digest& layer) {
    auto desc = [](const oci::Digest& d) {
      return R"({"mediaType":"application/octet-stream","size":1,"digest":")" + d.str() + "\"}";
    };
    return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
           R"("config":)" +
           desc(config) + R"(,"layers":[)" + desc(layer) + "]}";
  }

  testing::TempDir dir_;
  FilesystemDriver driver_{dir_.path(), Durability::None};
  BlobStore blobs_{driver_};
  ManifestStore manifests_{driver_, blobs_, 4 << 20};
  common::Logger logger_{common::LogLevel::Error};
};

TEST_F(GarbageCollectorTest, DeletesOnlyOldUnreferencedBlobs) {
  const oci::Digest config = storeBlob("team/app", "config", true);
  const oci::Digest layer = storeBlob("team/app", "layer", true);
  const oci::Digest orphan = storeBlob("team/app", "orphan", true);
  const oci::Digest fresh = storeBlob("team/app", "fresh orphan", false);
  const std::string manifest = manifestFor(config, layer);
  auto info = oci::parseManifest(manifest, "");
  ASSERT_TRUE(info);
  ASSERT_TRUE(manifests_.put("team/app", oci::digestOf(manifest), manifest, *info));
  std::filesystem::last_write_time(
      dir_.path() + paths::blobData(oci::digestOf(manifest)),
      std::filesystem::file_time_type::clock::now() - std::chrono::hours(3));

  GarbageCollector gc(driver_, logger_);
  GcOptions options;
  options.graceSeconds = kHour;
  options.dryRun = true;
  auto dry = gc.run(options, now());
  ASSERT_TRUE(dry) << dry.error().message;
  EXPECT_EQ(dry->blobsDeleted, 1u);
  EXPECT_TRUE(blobs_.size(orphan).has_value());

  options.dryRun = false;
  auto report = gc.run(options, now());
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->blobsDeleted, 1u);
  EXPECT_EQ(report->deleted, std::vector<std::string>{orphan.str()});
  EXPECT_EQ(report->manifests, 1u);
  EXPECT_FALSE(blobs_.size(orphan).has_value());
  EXPECT_FALSE(blobs_.linked("team/app", orphan));
  EXPECT_TRUE(blobs_.size(fresh).has_value());
  EXPECT_TRUE(blobs_.size(config).has_value());
  EXPECT_TRUE(blobs_.size(layer).has_value());
  EXPECT_TRUE(manifests_.get("team/app", oci::digestOf(manifest)).has_value());
}

TEST_F(GarbageCollectorTest, TouchedBlobSurvivesSweep) {
  // A push that references a blob refreshes it: the sweep must see it as fresh.
  const oci::Digest blob = storeBlob("a", "about to be referenced", true);
  ASSERT_TRUE(blobs_.touch(blob));
  GarbageCollector gc(driver_, logger_, &blobs_.commitLock());
  auto report = gc.run(GcOptions{false, kHour, kHour}, now());
  ASSERT_TRUE(report);
  EXPECT_EQ(report->blobsDeleted, 0u);
}

TEST_F(GarbageCollectorTest, ExpiresAbandonedUploads) {
  ASSERT_TRUE(driver_.putContent(paths::uploadData("a", std::string(36, 'a')), "partial"));
  GarbageCollector gc(driver_, logger_);
  auto report = gc.run(GcOptions{false, kHour, 10}, now() + 100);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->uploadsExpired, 1u);
  EXPECT_FALSE(driver_.stat(paths::uploadDir("a", std::string(36, 'a'))).has_value());
}

}  // namespace
}  // namespace berth::registry
