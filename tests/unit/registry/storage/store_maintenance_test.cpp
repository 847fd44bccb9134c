#include "registry/storage/store_maintenance.h"

#include <gtest/gtest.h>

#include <optional>

#include "common/oci/digest.h"
#include "registry/storage/driver/filesystem/filesystem_driver.h"
#include "registry/storage/paths.h"
#include "tests/support/manual_clock.h"
#include "tests/support/temp_dir.h"

namespace berth::registry {
namespace {

using std::chrono::seconds;

class StoreMaintenanceTest : public ::testing::Test {
 protected:
  StoreMaintenance maintenance(StoreMaintenanceOptions options) {
    return StoreMaintenance(driver_, blobs_, uploads_, options, logger_, clock_,
                            [this](const StoreUsage& usage) { measured_ = usage; });
  }

  size_t sessions(const std::string& repository) {
    auto ids = driver_.list(paths::uploadsDir(repository));
    return ids ? ids->size() : 0;
  }

  // A blob committed to `repository` that no manifest refers to: garbage once its grace is over.
  oci::Digest unreferencedBlob(const std::string& repository, const std::string& bytes) {
    auto session = uploads_.start(repository);
    EXPECT_TRUE(session);
    const oci::Digest digest = oci::digestOf(bytes);
    BodySource body = [bytes](const ChunkSink& sink) { return sink(bytes.data(), bytes.size()); };
    EXPECT_TRUE(uploads_.complete(repository, session->id, digest, &body, nullptr));
    return digest;
  }

  testing::TempDir dir_;
  testing::ManualClock clock_{common::SystemClock().unixSeconds()};
  common::Logger logger_{common::LogLevel::Error, stderr};
  FilesystemDriver driver_{dir_.path(), Durability::None};
  BlobStore blobs_{driver_};
  UploadStore uploads_{driver_, blobs_, clock_, 600};
  std::optional<StoreUsage> measured_;
};

TEST_F(StoreMaintenanceTest, AbandonedUploadSessionsAreRemovedOnlyOnceExpired) {
  auto m = maintenance({.uploadExpirySeconds = 600, .gcIntervalSeconds = 0});
  ASSERT_TRUE(uploads_.start("team/app"));
  ASSERT_EQ(sessions("team/app"), 1u);

  clock_.advance(seconds(301));  // an expiry pass is due (every half expiry), the session is not
  m.runDue();
  EXPECT_EQ(sessions("team/app"), 1u);

  clock_.advance(seconds(300));  // 601 s idle: the next pass removes it
  m.runDue();
  EXPECT_EQ(sessions("team/app"), 0u);
}

TEST_F(StoreMaintenanceTest, NothingRunsBeforeItIsDue) {
  auto m = maintenance({.uploadExpirySeconds = 600, .gcIntervalSeconds = 7200});
  const oci::Digest digest = unreferencedBlob("team/app", "unreferenced");
  ASSERT_TRUE(uploads_.start("team/app"));
  clock_.advance(seconds(7000));  // past the session's expiry, but no pass has fallen due yet
  // The first expiry pass falls due 300 s after start: this one runs it, GC is not due.
  m.runDue();
  EXPECT_EQ(sessions("team/app"), 0u);
  EXPECT_TRUE(blobs_.size(digest));
  EXPECT_FALSE(measured_);
}

TEST_F(StoreMaintenanceTest, OnlineGcRemovesUnreferencedBlobsPastTheIntervalAndMeasures) {
  auto m = maintenance({.uploadExpirySeconds = 600, .gcIntervalSeconds = 7200});
  const oci::Digest digest = unreferencedBlob("team/app", "unreferenced");
  clock_.advance(seconds(3600));
  m.runDue();
  EXPECT_TRUE(blobs_.size(digest));

  EXPECT_FALSE(measured_);

  clock_.advance(seconds(3600));  // the interval is over, and the blob is as old as the grace
  m.runDue();
  EXPECT_FALSE(blobs_.size(digest));
  ASSERT_TRUE(measured_);
  EXPECT_EQ(measured_->blobs, 0u);
}

TEST_F(StoreMaintenanceTest, WithoutAnIntervalThereIsNoOnlineGc) {
  auto m = maintenance({.uploadExpirySeconds = 600, .gcIntervalSeconds = 0});
  const oci::Digest digest = unreferencedBlob("team/app", "unreferenced");
  clock_.advance(seconds(365 * 86400));
  m.runDue();
  EXPECT_TRUE(blobs_.size(digest));
  EXPECT_FALSE(measured_);
}

TEST_F(StoreMaintenanceTest, TheThreadStopsPromptly) {
  auto m = maintenance({.uploadExpirySeconds = 600, .gcIntervalSeconds = 0});
  m.start();
  m.stop();  // joins: a hang here fails the test by its timeout
  m.stop();
}

}  // namespace
}  // namespace berth::registry
