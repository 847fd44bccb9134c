#include "registry/storage/upload_quota.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "registry/storage/blob_store.h"
#include "registry/storage/driver/filesystem/filesystem_driver.h"
#include "registry/storage/paths.h"
#include "registry/storage/upload_store.h"
#include "tests/support/manual_clock.h"
#include "tests/support/temp_dir.h"

namespace berth::registry {
namespace {

using common::ErrorCode;

struct Refusals {
  std::vector<std::string> limits;
  std::function<void(const char*)> fn() {
    return [this](const char* limit) { limits.emplace_back(limit); };
  }
};

TEST(UploadQuotaTest, AnOwnerGetsItsMaximumThenAFreedSlot) {
  Refusals refusals;
  UploadQuota quota({2, 0, 0, refusals.fn()});
  ASSERT_TRUE(quota.open("user alice", "team/app", "1"));
  ASSERT_TRUE(quota.open("user alice", "team/lib", "2"));
  auto third = quota.open("user alice", "team/app", "3");
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::TooManyRequests);
  EXPECT_NE(third.error().message.find("maxUploadSessionsPerUser"), std::string::npos);
  EXPECT_NE(third.error().message.find("2 per user"), std::string::npos);
  EXPECT_EQ(refusals.limits, std::vector<std::string>{"maxUploadSessionsPerUser"});
  // Another owner is not affected.
  EXPECT_TRUE(quota.open("user bob", "team/app", "4"));
  quota.close("team/lib", "2");
  EXPECT_TRUE(quota.open("user alice", "team/app", "3"));
  EXPECT_EQ(quota.openSessions(), 3u);
}

TEST(UploadQuotaTest, ARepositoryIsBoundedAcrossOwners) {
  Refusals refusals;
  UploadQuota quota({0, 2, 0, refusals.fn()});
  ASSERT_TRUE(quota.open("address 10.0.0.1", "shared/app", "1"));
  ASSERT_TRUE(quota.open("address 10.0.0.2", "shared/app", "2"));
  auto third = quota.open("address 10.0.0.3", "shared/app", "3");
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::TooManyRequests);
  EXPECT_NE(third.error().message.find("maxUploadSessionsPerRepository"), std::string::npos);
  EXPECT_EQ(refusals.limits, std::vector<std::string>{"maxUploadSessionsPerRepository"});
  EXPECT_TRUE(quota.open("address 10.0.0.3", "other/app", "3"));
  quota.close("shared/app", "1");
  EXPECT_TRUE(quota.open("address 10.0.0.3", "shared/app", "4"));
}

TEST(UploadQuotaTest, ClosingTwiceOrClosingUnknownSessionsFreesNothingExtra) {
  UploadQuota quota({1, 0, 0, {}});
  ASSERT_TRUE(quota.open("user alice", "r", "1"));
  quota.close("r", "1");
  quota.close("r", "1");
  quota.close("r", "from-a-previous-run");
  ASSERT_TRUE(quota.open("user alice", "r", "2"));
  EXPECT_FALSE(quota.open("user alice", "r", "3"));
}

TEST(UploadQuotaTest, SessionsWithoutAnOwnerAreNotCounted) {
  UploadQuota quota({1, 1, 0, {}});
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(quota.open("", "cache/x", std::to_string(i)));
  EXPECT_EQ(quota.openSessions(), 0u);
  EXPECT_TRUE(quota.open("user alice", "cache/x", "a"));
}

TEST(UploadQuotaTest, BlobSizeIsCheckedAgainstItsLimit) {
  Refusals refusals;
  UploadQuota quota({0, 0, 1000, refusals.fn()});
  EXPECT_TRUE(quota.checkBlobSize(1000));
  auto over = quota.checkBlobSize(1001);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::PayloadTooLarge);
  EXPECT_NE(over.error().message.find("1000 bytes"), std::string::npos);
  EXPECT_NE(over.error().message.find("maxBlobBytes"), std::string::npos);
  EXPECT_EQ(refusals.limits, std::vector<std::string>{"maxBlobBytes"});
  UploadQuota unlimited({0, 0, 0, {}});
  EXPECT_TRUE(unlimited.checkBlobSize(UINT64_MAX));
}

TEST(UploadQuotaTest, AnonymousOwnersAreTheirAddress) {
  EXPECT_EQ(uploadOwner("alice", "10.0.0.1"), "user alice");
  EXPECT_EQ(uploadOwner("", "10.0.0.1"), "address 10.0.0.1");
  EXPECT_EQ(uploadOwner("", "2001:db8::1"), uploadOwner("", "2001:db8::2"));
}

// The store drives the quota: every end of a session frees its slot, and a session that grows
// beyond the blob limit is removed with its data.
class QuotaStoreTest : public ::testing::Test {
 protected:
  BodySource bodyOf(const std::string& bytes) {
    return [bytes](const ChunkSink& sink) { return sink(bytes.data(), bytes.size()); };
  }
  bool sessionOnDisk(const std::string& repo, const std::string& id) {
    return std::filesystem::exists(dir_.path() + paths::uploadDir(repo, id));
  }

  testing::TempDir dir_;
  testing::ManualClock clock_{common::SystemClock().unixSeconds()};
  FilesystemDriver driver_{dir_.path(), Durability::None};
  BlobStore blobs_{driver_};
  UploadQuota quota_{{1, 0, 16, {}}};
  UploadStore uploads_{driver_, blobs_, clock_, 3600, &quota_};
};

TEST_F(QuotaStoreTest, CompleteCancelAndExpiryEachFreeTheSlot) {
  auto first = uploads_.start("r", "user alice");
  ASSERT_TRUE(first);
  EXPECT_EQ(uploads_.start("r", "user alice").error().code, ErrorCode::TooManyRequests);
  const std::string bytes = "small blob";
  ASSERT_TRUE(
      uploads_.complete("r", first->id, oci::digestOf(bytes), nullptr, nullptr).error().code ==
      ErrorCode::DigestInvalid);  // a failed completion ends the session too
  auto second = uploads_.start("r", "user alice");
  ASSERT_TRUE(second);
  ASSERT_TRUE(uploads_.cancel("r", second->id));
  auto third = uploads_.start("r", "user alice");
  ASSERT_TRUE(third);
  const BodySource body = bodyOf(bytes);
  ASSERT_TRUE(uploads_.complete("r", third->id, oci::digestOf(bytes), &body, nullptr));
  auto fourth = uploads_.start("r", "user alice");
  ASSERT_TRUE(fourth);
  const int64_t later = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() +
                        7200;
  ASSERT_EQ(*uploads_.expire(later), 1u);
  EXPECT_TRUE(uploads_.start("r", "user alice"));
}

TEST_F(QuotaStoreTest, AStartRefusedByTheQuotaWritesNothing) {
  ASSERT_TRUE(uploads_.start("r", "user alice"));
  const auto before = std::distance(std::filesystem::recursive_directory_iterator(dir_.path()),
                                    std::filesystem::recursive_directory_iterator());
  EXPECT_FALSE(uploads_.start("r", "user alice"));
  EXPECT_EQ(std::distance(std::filesystem::recursive_directory_iterator(dir_.path()),
                          std::filesystem::recursive_directory_iterator()),
            before);
}

TEST_F(QuotaStoreTest, ABlobOverTheLimitIsDiscardedHoweverItArrives) {
  const std::string big(17, 'x');
  // Declared: refused before the body is read.
  auto declared = uploads_.start("r", "user alice");
  ASSERT_TRUE(declared);
  bool read = false;
  const BodySource watched = [&](const ChunkSink& sink) {
    read = true;
    return sink(big.data(), big.size());
  };
  auto refused = uploads_.append("r", declared->id, std::nullopt, big.size(), watched, nullptr);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::PayloadTooLarge);
  EXPECT_FALSE(read);
  EXPECT_FALSE(sessionOnDisk("r", declared->id));

  // Undeclared, across chunks: the second chunk crosses the limit.
  auto chunked = uploads_.start("r", "user alice");  // the refusal freed the slot
  ASSERT_TRUE(chunked);
  ASSERT_TRUE(uploads_.append("r", chunked->id, std::nullopt, std::nullopt,
                              bodyOf(big.substr(0, 10)), nullptr));
  auto crossing = uploads_.append("r", chunked->id, std::nullopt, std::nullopt,
                                  bodyOf(big.substr(10)), nullptr);
  ASSERT_FALSE(crossing);
  EXPECT_EQ(crossing.error().code, ErrorCode::PayloadTooLarge);
  EXPECT_FALSE(sessionOnDisk("r", chunked->id));
  EXPECT_EQ(uploads_.status("r", chunked->id).error().code, ErrorCode::BlobUploadUnknown);

  // The final chunk of a completion.
  auto final = uploads_.start("r", "user alice");
  ASSERT_TRUE(final);
  const BodySource body = bodyOf(big);
  auto done = uploads_.complete("r", final->id, oci::digestOf(big), &body, nullptr);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::PayloadTooLarge);
  EXPECT_FALSE(sessionOnDisk("r", final->id));
  EXPECT_FALSE(blobs_.size(oci::digestOf(big)));

  // Exactly at the limit is fine.
  auto exact = uploads_.start("r", "user alice");
  ASSERT_TRUE(exact);
  const BodySource sixteen = bodyOf(big.substr(0, 16));
  EXPECT_TRUE(
      uploads_.complete("r", exact->id, oci::digestOf(big.substr(0, 16)), &sixteen, nullptr));
}

}  // namespace
}  // namespace berth::registry
