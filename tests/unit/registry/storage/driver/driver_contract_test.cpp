#include "registry/storage/driver/s3/s3_driver.h"

#include <gtest/gtest.h>

#include "registry/storage/driver/filesystem/filesystem_driver.h"
#include "registry/storage/driver/s3/parts.h"
#include "registry/storage/driver_factory.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/registry/storage/driver/driver_contract.h"
#include "tests/unit/registry/storage/driver/s3/fake_server.h"

namespace berth::registry {
namespace {

using contract::DriverCase;
using contract::DriverEnvironment;
using contract::StorageDriverContract;
using s3::testing::FakeS3;

constexpr uint64_t kPartSize = 5 << 20;  // the S3 minimum, so tests cross part boundaries

s3::ClientOptions fastRetries() {
  s3::ClientOptions options;
  options.timeoutSeconds = 5;
  options.retry.baseDelay = std::chrono::milliseconds(1);
  options.retry.maxDelay = std::chrono::milliseconds(4);
  return options;
}

// Real time: the fake checks signatures as S3 does.
const common::SystemClock kClock;

std::unique_ptr<S3Driver> driverOn(const FakeS3& fake, const std::string& prefix = "reg/",
                                   s3::ClientOptions options = fastRetries()) {
  common::S3StorageConfig config;
  config.endpoint = fake.endpoint();
  config.bucket = fake.bucket();
  config.pathStyle = true;
  auto endpoint = s3::Endpoint::fromConfig(config);
  EXPECT_TRUE(endpoint);
  return std::make_unique<S3Driver>(
      std::make_unique<s3::Client>(*endpoint, s3::Credentials{"AKID", "SECRET", ""}, options,
                                   kClock),
      prefix, kPartSize);
}

class FilesystemEnvironment final : public DriverEnvironment {
 public:
  std::unique_ptr<StorageDriver> open() override {
    return std::make_unique<FilesystemDriver>(dir_.path(), Durability::None);
  }

 private:
  testing::TempDir dir_;
};

class FakeS3Environment final : public DriverEnvironment {
 public:
  std::unique_ptr<StorageDriver> open() override { return driverOn(fake_); }

 private:
  FakeS3 fake_;
};

INSTANTIATE_TEST_SUITE_P(
    Drivers, StorageDriverContract,
    ::testing::Values(DriverCase{"Filesystem",
                                 [] { return std::make_unique<FilesystemEnvironment>(); }},
                      DriverCase{"S3OnFake", [] { return std::make_unique<FakeS3Environment>(); }}),
    [](const ::testing::TestParamInfo<DriverCase>& driver) { return driver.param.name; });

class S3DriverTest : public ::testing::Test {
 protected:
  FakeS3 fake_;
  std::unique_ptr<S3Driver> driver_ = driverOn(fake_);
};

TEST_F(S3DriverTest, KeysLiveUnderThePrefix) {
  ASSERT_TRUE(driver_->putContent("/blobs/sha256/ab/abc/data", "x"));
  EXPECT_EQ(fake_.keys(), (std::set<std::string>{"reg/blobs/sha256/ab/abc/data"}));
  EXPECT_EQ(driver_->key("/"), "reg/");
  EXPECT_EQ(driver_->dirPrefix("/"), "reg/");
  EXPECT_EQ(driver_->dirPrefix("/blobs"), "reg/blobs/");
  auto bare = driverOn(fake_, "");
  EXPECT_EQ(bare->dirPrefix("/"), "");
  auto names = bare->list("/");
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, std::vector<std::string>{"reg"});
}

TEST_F(S3DriverTest, UploadDataIsStoredAsPartObjects) {
  auto writer = driver_->writer("/u/data", false);
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->write(std::string(12 << 20, 'a')));
  ASSERT_TRUE((*writer)->commit());
  EXPECT_EQ(fake_.keys(), (std::set<std::string>{"reg/u/data/.part-00000000000000000000",
                                                 "reg/u/data/.part-00000000000005242880",
                                                 "reg/u/data/.part-00000000000010485760"}));
  ASSERT_TRUE(driver_->move("/u/data", "/b/data"));
  EXPECT_EQ(fake_.keys(), std::set<std::string>{"reg/b/data"});
  EXPECT_EQ(fake_.openMultipartUploads(), 0u);
}

TEST_F(S3DriverTest, ASmallLastPartGrowsInsteadOfMultiplying) {
  for (int i = 0; i < 4; ++i) {
    auto writer = driver_->writer("/u/data", i > 0);
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->write(std::string(1 << 20, static_cast<char>('a' + i))));
    ASSERT_TRUE((*writer)->commit());
  }
  EXPECT_EQ(fake_.keys(), std::set<std::string>{"reg/u/data/.part-00000000000000000000"});
  EXPECT_EQ(fake_.object("reg/u/data/.part-00000000000000000000").size(), 4u << 20);
}

TEST_F(S3DriverTest, RetriesSlowDownAndServerErrors) {
  fake_.failNext(2, 503, "SlowDown");
  ASSERT_TRUE(driver_->putContent("/x", "1"));
  fake_.failNext(1, 500, "InternalError");
  EXPECT_EQ(driver_->getContent("/x", 10).value_or(""), "1");
  fake_.failNext(1, 429, "TooManyRequests");
  EXPECT_TRUE(driver_->stat("/x"));
}

TEST_F(S3DriverTest, GivesUpAfterTheLastAttempt) {
  fake_.failNext(100, 503, "SlowDown");
  const int before = fake_.requests();
  auto put = driver_->putContent("/x", "1");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, common::ErrorCode::Internal);
  EXPECT_NE(put.error().detail.find("SlowDown"), std::string::npos) << put.error().detail;
  EXPECT_EQ(fake_.requests() - before, 6);
  fake_.failNext(0);
}

TEST_F(S3DriverTest, ClientErrorsAreNotRetried) {
  fake_.failNext(1, 403, "AccessDenied");
  const int before = fake_.requests();
  auto put = driver_->putContent("/x", "1");
  ASSERT_FALSE(put);
  EXPECT_EQ(fake_.requests() - before, 1);
  EXPECT_NE(put.error().detail.find("AccessDenied"), std::string::npos);
  // Never the S3 detail in the message a registry client may see.
  EXPECT_EQ(put.error().message, "storage failure");
}

TEST_F(S3DriverTest, ACopyThatFailsAfter200IsRetriedNotTakenForDone) {
  ASSERT_TRUE(driver_->putContent("/from", "bytes"));
  fake_.failNextCopiesAfter200(2);
  ASSERT_TRUE(driver_->move("/from", "/to"));
  EXPECT_EQ(driver_->getContent("/to", 10).value_or(""), "bytes");
  ASSERT_TRUE(driver_->putContent("/from", "bytes"));
  fake_.failNextCopiesAfter200(100, "AccessDenied");
  auto moved = driver_->move("/from", "/elsewhere");
  ASSERT_FALSE(moved);
  EXPECT_NE(moved.error().detail.find("AccessDenied"), std::string::npos) << moved.error().detail;
  EXPECT_TRUE(driver_->stat("/from")) << "the source stays when the copy failed";
  fake_.failNext(0);
}

TEST_F(S3DriverTest, PutIfAbsentSendsIfNoneMatchAndTakesA412AsExistsWithoutRetrying) {
  ASSERT_TRUE(driver_->putContent("/tag/link", "sha256:theirs"));
  const int before = fake_.requests();
  auto put = driver_->putIfAbsent("/tag/link", "sha256:mine");
  ASSERT_TRUE(put) << put.error().detail;
  EXPECT_EQ(*put, CreateOutcome::Exists);
  EXPECT_EQ(fake_.requests() - before, 1) << "a 412 is an answer, not a failure to retry";
  EXPECT_EQ(fake_.object("reg/tag/link"), "sha256:theirs");
}

TEST_F(S3DriverTest, PutIfAbsentWhoseAnswerWasLostIsStillCreated) {
  // The first try creates the object but its answer is lost; the retry then meets its own
  // object (412), which holds exactly these bytes.
  fake_.loseNextAnswers(1);
  auto put = driver_->putIfAbsent("/tag/link", "sha256:mine");
  ASSERT_TRUE(put) << put.error().detail;
  EXPECT_EQ(*put, CreateOutcome::Created);
  EXPECT_EQ(fake_.object("reg/tag/link"), "sha256:mine");
}

TEST_F(S3DriverTest, PutIfAbsentRetriedIntoSomeoneElsesObjectIsExists) {
  // A retry's 412 is only this writer's own success when the bytes are its own.
  ASSERT_TRUE(driver_->putContent("/tag/link", "sha256:theirs"));
  fake_.failNext(1, 503, "SlowDown");
  auto put = driver_->putIfAbsent("/tag/link", "sha256:mine");
  ASSERT_TRUE(put) << put.error().detail;
  EXPECT_EQ(*put, CreateOutcome::Exists);
  EXPECT_EQ(fake_.object("reg/tag/link"), "sha256:theirs");
}

TEST_F(S3DriverTest, PutIfAbsentRetriesAConditionalConflictAndFailsOnOtherErrors) {
  fake_.failNext(1, 409, "ConditionalRequestConflict");
  EXPECT_EQ(driver_->putIfAbsent("/a/link", "x").value_or(CreateOutcome::Exists),
            CreateOutcome::Created);
  fake_.failNext(1, 403, "AccessDenied");
  auto denied = driver_->putIfAbsent("/b/link", "x");
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, common::ErrorCode::Internal);
  EXPECT_NE(denied.error().detail.find("AccessDenied"), std::string::npos);
}

TEST_F(S3DriverTest, CheckProbesConditionalWritesAndLeavesNothingBehind) {
  ASSERT_TRUE(driver_->check());
  EXPECT_TRUE(fake_.keys().empty());
  // A server that ignores If-None-Match would let two replicas both create an immutable tag.
  fake_.ignoreConditionalWrites();
  auto checked = driver_->check();
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("If-None-Match"), std::string::npos)
      << checked.error().message;
  EXPECT_TRUE(fake_.keys().empty());
}

TEST_F(S3DriverTest, ListFollowsContinuationTokens) {
  fake_.setPageSize(2);
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(driver_->putContent("/tags/v" + std::to_string(i) + "/link", "d"));
  }
  ASSERT_TRUE(driver_->putContent("/tags/file", "d"));
  auto names = driver_->list("/tags");
  ASSERT_TRUE(names);
  EXPECT_EQ(names->size(), 8u);
  ASSERT_TRUE(driver_->remove("/tags"));
  EXPECT_TRUE(fake_.keys().empty());
}

TEST_F(S3DriverTest, TouchRenewsOnlyAStaleObject) {
  ASSERT_TRUE(driver_->putContent("/blob", "x"));
  int before = fake_.requests();
  ASSERT_TRUE(driver_->touch("/blob"));
  EXPECT_EQ(fake_.requests() - before, 1) << "a fresh object is only looked at";
  fake_.age("reg/blob", 7200);
  EXPECT_LT(driver_->stat("/blob")->modifiedUnixSeconds, contract::nowSeconds() - 7000);
  ASSERT_TRUE(driver_->touch("/blob"));
  EXPECT_LE(std::abs(driver_->stat("/blob")->modifiedUnixSeconds - contract::nowSeconds()), 5);
  EXPECT_EQ(driver_->getContent("/blob", 10).value_or(""), "x");
}

TEST_F(S3DriverTest, UploadActivityIsTheLastPartsTime) {
  auto writer = driver_->writer("/u/data", false);
  ASSERT_TRUE((*writer)->write(std::string(6 << 20, 'x')));
  ASSERT_TRUE((*writer)->commit());
  fake_.age("reg/u/data/.part-00000000000000000000", 5000);
  fake_.age("reg/u/data/.part-00000000000005242880", 4000);
  auto info = driver_->stat("/u/data");
  ASSERT_TRUE(info);
  EXPECT_NEAR(static_cast<double>(info->modifiedUnixSeconds),
              static_cast<double>(contract::nowSeconds() - 4000), 5.0);
  ASSERT_TRUE(driver_->touch("/u/data"));
  EXPECT_LE(std::abs(driver_->stat("/u/data")->modifiedUnixSeconds - contract::nowSeconds()), 5);
}

TEST_F(S3DriverTest, PartsThatDoNotJoinUpAreAnError) {
  ASSERT_TRUE(driver_->putContent("/u/data/.part-00000000000000000000", "abc"));
  ASSERT_TRUE(driver_->putContent("/u/data/.part-00000000000000000005", "def"));
  auto info = driver_->stat("/u/data");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, common::ErrorCode::Internal);
}

TEST(S3DriverUnreachableTest, FailsAfterRetryingTheConnection) {
  int port = 0;
  {
    FakeS3 gone;  // a port that was just free
    port = std::stoi(gone.endpoint().substr(gone.endpoint().rfind(':') + 1));
  }
  common::S3StorageConfig config;
  config.endpoint = "http://127.0.0.1:" + std::to_string(port);
  config.bucket = "b-1";
  config.pathStyle = true;
  auto options = fastRetries();
  options.retry.maxAttempts = 3;
  S3Driver driver(std::make_unique<s3::Client>(*s3::Endpoint::fromConfig(config),
                                               s3::Credentials{"a", "b", ""}, options, kClock),
                  "", kPartSize);
  auto info = driver.stat("/x");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, common::ErrorCode::Unavailable);
  EXPECT_NE(info.error().detail.find("after 3 tries"), std::string::npos) << info.error().detail;
  EXPECT_FALSE(driver.check());
}

TEST(StorageFactoryTest, ChoosesTheBucketWhenOneIsNamed) {
  FakeS3 fake;
  common::RegistryConfig config;
  config.storage = "/nonexistent/never/created";
  config.s3.endpoint = fake.endpoint();
  config.s3.bucket = fake.bucket();
  config.s3.pathStyle = true;
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "AWS_ACCESS_KEY_ID") return "AKID";
    if (name == "AWS_SECRET_ACCESS_KEY") return "SECRET";
    return std::nullopt;
  };
  auto opened = openStorage(config, kClock, env);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->description, "s3://test-bucket/ at " + fake.endpoint());
  ASSERT_TRUE(opened->driver->putContent("/x", "y"));
  EXPECT_EQ(fake.keys(), std::set<std::string>{"x"});

  auto noCredentials = openStorage(config, kClock, [](const std::string&) { return std::nullopt; });
  ASSERT_FALSE(noCredentials);
  EXPECT_NE(noCredentials.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos);
  config.s3.bucket = "no-such-bucket";
  EXPECT_FALSE(openStorage(config, kClock, env));
}

TEST(StorageFactoryTest, OpensTheDirectoryOtherwise) {
  testing::TempDir dir;
  common::RegistryConfig config;
  config.storage = dir.path() + "/store";
  auto opened = openStorage(config, kClock, [](const std::string&) { return std::nullopt; });
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->description, config.storage);
  ASSERT_TRUE(opened->driver->putContent("/a", "b"));
  EXPECT_EQ(testing::readFile(config.storage + "/a"), "b");
}

}  // namespace
}  // namespace berth::registry
