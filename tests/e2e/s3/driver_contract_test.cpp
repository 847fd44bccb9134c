// The StorageDriver contract (tests/unit/registry/storage/driver/driver_contract.h) and the S3
// specifics that a fake cannot prove, on a real S3 server: radosgw started by driver_test.sh, which
// exports S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY and S3_REGION. Without them every test
// is skipped.

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "registry/storage/driver/s3/client.h"
#include "registry/storage/driver/s3/objects.h"
#include "registry/storage/driver/s3/s3_driver.h"
#include "tests/unit/registry/storage/driver/driver_contract.h"

namespace berth::registry {
namespace {

using contract::DriverCase;
using contract::DriverEnvironment;
using contract::StorageDriverContract;

constexpr uint64_t kPartSize = 5 << 20;
constexpr const char* kBucket = "berth-contract";

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

bool haveServer() { return !env("S3_ENDPOINT").empty(); }

common::S3StorageConfig serverConfig() {
  common::S3StorageConfig config;
  config.endpoint = env("S3_ENDPOINT");
  config.region = env("S3_REGION").empty() ? "us-east-1" : env("S3_REGION");
  config.bucket = kBucket;
  config.pathStyle = true;
  return config;
}

const common::SystemClock kClock;

std::unique_ptr<s3::Client> clientFor(const common::S3StorageConfig& config) {
  s3::ClientOptions options;
  options.timeoutSeconds = 30;
  return std::make_unique<s3::Client>(
      *s3::Endpoint::fromConfig(config),
      s3::Credentials{env("S3_ACCESS_KEY"), env("S3_SECRET_KEY"), ""}, options, kClock);
}

// Creates the bucket (BucketAlreadyOwnedByYou when it exists is fine).
void ensureBucket() {
  auto client = clientFor(serverConfig());
  auto created = client->send(s3::Request{"PUT", "", {}, {}, {}});
  ASSERT_TRUE(created) << created.error().detail;
  ASSERT_TRUE(created->ok() || created->status == 409) << created->status << " " << created->body;
}

std::string randomPrefix() {
  std::random_device device;
  return "contract-" + std::to_string(device()) + "-" + std::to_string(device()) + "/";
}

class RgwEnvironment final : public DriverEnvironment {
 public:
  RgwEnvironment() : prefix_(randomPrefix()) {}
  ~RgwEnvironment() override {
    if (haveServer()) (void)open()->remove("/");
  }
  std::unique_ptr<StorageDriver> open() override { return openS3(); }
  std::unique_ptr<S3Driver> openS3() {
    return std::make_unique<S3Driver>(clientFor(serverConfig()), prefix_, kPartSize);
  }
  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_;
};

INSTANTIATE_TEST_SUITE_P(Rgw, StorageDriverContract,
                         ::testing::Values(DriverCase{"Radosgw",
                                                      []() -> std::unique_ptr<DriverEnvironment> {
                                                        if (!haveServer())
                                                          return nullptr;  // skipped
                                                        ensureBucket();
                                                        return std::make_unique<RgwEnvironment>();
                                                      }}),
                         [](const ::testing::TestParamInfo<DriverCase>& driver) {
                           return driver.param.name;
                         });

class RgwTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveServer()) GTEST_SKIP() << "S3_ENDPOINT is not set (run driver_test.sh)";
    ensureBucket();
    environment_ = std::make_unique<RgwEnvironment>();
    driver_ = environment_->openS3();
  }
  std::unique_ptr<RgwEnvironment> environment_;
  std::unique_ptr<S3Driver> driver_;
};

TEST_F(RgwTest, CheckPassesWithTheseCredentialsAndFailsWithOthers) {
  EXPECT_TRUE(driver_->check());
  auto config = serverConfig();
  s3::ClientOptions options;
  options.retry.maxAttempts = 1;
  S3Driver wrong(std::make_unique<s3::Client>(*s3::Endpoint::fromConfig(config),
                                              s3::Credentials{env("S3_ACCESS_KEY"), "wrong", ""},
                                              options, kClock),
                 "", kPartSize);
  auto checked = wrong.check();
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("SignatureDoesNotMatch"), std::string::npos)
      << checked.error().message;
}

TEST_F(RgwTest, KeysWithEveryRegistryCharacterRoundTrip) {
  // Tags allow [A-Za-z0-9_.-], names [a-z0-9._-/], digests ':' in links' content.
  const std::string path = "/repositories/a.b_c-d/e__f/_manifests/tags/V1.2_rc-3/link";
  ASSERT_TRUE(driver_->putContent(path, "sha256:x"));
  EXPECT_EQ(driver_->getContent(path, 100).value_or(""), "sha256:x");
  auto names = driver_->list("/repositories/a.b_c-d/e__f/_manifests/tags");
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, std::vector<std::string>{"V1.2_rc-3"});
  // Characters the registry never produces still travel: the signer encodes what it sends.
  ASSERT_TRUE(driver_->putContent("/odd/a b+c=d&e~f%g", "odd"));
  EXPECT_EQ(driver_->getContent("/odd/a b+c=d&e~f%g", 100).value_or(""), "odd");
}

TEST_F(RgwTest, TouchRenewsLastModifiedOnTheServer) {
  ASSERT_TRUE(driver_->putContent("/blob", "x"));
  const auto before = driver_->stat("/blob");
  ASSERT_TRUE(before);
  // Fresh objects are left alone; a copy onto itself must still be accepted by the server.
  auto client = clientFor(serverConfig());
  s3::Objects objects(*client);
  ASSERT_TRUE(
      objects.copy(environment_->prefix() + "blob", environment_->prefix() + "blob", 1, true));
  EXPECT_TRUE(driver_->touch("/blob"));
  EXPECT_EQ(driver_->getContent("/blob", 10).value_or(""), "x");
  EXPECT_GE(driver_->stat("/blob")->modifiedUnixSeconds, before->modifiedUnixSeconds);
}

TEST_F(RgwTest, AnUploadOfManyPartsBecomesOneObject) {
  const std::string bytes = contract::patternBytes(23 << 20, 5);
  for (size_t at = 0; at < bytes.size(); at += 6 << 20) {
    auto replica = environment_->openS3();
    auto writer = replica->writer("/u/data", at > 0);
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->write(std::string_view(bytes).substr(at, 6 << 20)));
    ASSERT_TRUE((*writer)->commit());
  }
  ASSERT_TRUE(driver_->move("/u/data", "/blobs/data"));
  auto info = driver_->stat("/blobs/data");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, bytes.size());
  EXPECT_TRUE(contract::readAll(*driver_, "/blobs/data") == bytes);
  EXPECT_FALSE(driver_->stat("/u"));
}

}  // namespace
}  // namespace berth::registry
