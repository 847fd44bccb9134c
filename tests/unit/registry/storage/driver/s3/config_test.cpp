#include <gtest/gtest.h>

#include "common/config.h"
#include "registry/storage/driver/s3/client.h"
#include "registry/storage/driver/s3/credentials.h"
#include "tests/support/temp_dir.h"

namespace berth::registry::s3 {
namespace {

void expectContains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "missing '" << part << "' in:\n" << text;
}

EnvironmentLookup environment(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(S3ConfigTest, EveryKeyIsRead) {
  auto config = common::parseConfigText(R"(
registry:
  s3:
    endpoint: http://127.0.0.1:7480
    region: default
    bucket: berth-images
    prefix: prod/
    accessKey: AK
    secretKey: SK
    credentialsFile: /etc/berth/s3/credentials
    pathStyle: false
    insecureSkipVerify: true
    caFile: /etc/ssl/ca.pem
    timeout: 2m
    maxAttempts: 3
    partSize: 16777216
)",
                                        "s3.yaml");
  ASSERT_TRUE(config) << config.error().message;
  const auto& s3 = config->registry.s3;
  EXPECT_TRUE(s3.enabled());
  EXPECT_EQ(s3.endpoint, "http://127.0.0.1:7480");
  EXPECT_EQ(s3.region, "default");
  EXPECT_EQ(s3.bucket, "berth-images");
  EXPECT_EQ(s3.prefix, "prod/");
  EXPECT_EQ(s3.accessKey, "AK");
  EXPECT_EQ(s3.secretKey, "SK");
  EXPECT_EQ(s3.credentialsFile, "/etc/berth/s3/credentials");
  EXPECT_FALSE(s3.pathStyle);
  EXPECT_TRUE(s3.insecureSkipVerify);
  EXPECT_EQ(s3.caFile, "/etc/ssl/ca.pem");
  EXPECT_EQ(s3.timeoutSeconds, 120);
  EXPECT_EQ(s3.maxAttempts, 3);
  EXPECT_EQ(s3.partSizeBytes, 16 << 20);
  EXPECT_TRUE(common::validateConfig(*config).empty());
}

TEST(S3ConfigTest, DefaultsFollowTheEndpoint) {
  auto custom =
      common::parseConfigText("registry:\n  s3: {bucket: b-1, endpoint: 'http://h:1'}\n", "a.yaml");
  ASSERT_TRUE(custom);
  EXPECT_TRUE(custom->registry.s3.pathStyle);
  auto aws = common::parseConfigText("registry:\n  s3: {bucket: b-1}\n", "b.yaml");
  ASSERT_TRUE(aws);
  EXPECT_FALSE(aws->registry.s3.pathStyle);
  EXPECT_EQ(aws->registry.s3.region, "us-east-1");
  EXPECT_EQ(aws->registry.s3.partSizeBytes, 8 << 20);
  EXPECT_FALSE(common::parseConfigText("", "c.yaml")->registry.s3.enabled());
}

TEST(S3ConfigTest, StrictParsingNamesFileLineAndColumn) {
  auto unknown =
      common::parseConfigText("registry:\n  s3:\n    bucket: b\n    bukket: c\n", "u.yaml");
  ASSERT_FALSE(unknown);
  expectContains(unknown.error().message, "u.yaml:4:");
  expectContains(unknown.error().message, "bukket");
  auto noBucket = common::parseConfigText("registry:\n  s3:\n    region: x\n", "n.yaml");
  ASSERT_FALSE(noBucket);
  expectContains(noBucket.error().message, "bucket");
  auto smallPart =
      common::parseConfigText("registry:\n  s3: {bucket: b, partSize: 1024}\n", "p.yaml");
  ASSERT_FALSE(smallPart);
  expectContains(smallPart.error().message, "p.yaml:2:");
  EXPECT_FALSE(common::parseConfigText("registry:\n  s3: {bucket: b, pathStyle: maybe}\n", "x"));
}

TEST(S3ConfigTest, ValidationReportsEachProblem) {
  common::Config config;
  config.registry.storage = "";  // not needed with a bucket
  config.registry.s3.bucket = "Bad_Bucket";
  config.registry.s3.endpoint = "ftp://x";
  config.registry.s3.accessKey = "only-half";
  config.registry.s3.prefix = "/abs";
  const auto problems = common::validateConfig(config);
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  EXPECT_EQ(problems.size(), 4u) << all;
  expectContains(all, "registry.s3.endpoint");
  expectContains(all, "registry.s3.bucket");
  expectContains(all, "accessKey and secretKey");
  expectContains(all, "registry.s3.prefix");
}

TEST(S3CredentialsTest, ConfigThenFileThenEnvironment) {
  testing::TempDir dir;
  const std::string file = dir.write("credentials",
                                     "# mounted Secret\n[other]\naws_access_key_id = NO\n"
                                     "[default]\naws_access_key_id = FILEKEY\n"
                                     "aws_secret_access_key = FILESECRET\naws_session_token=T\n");
  auto env = environment({{"AWS_ACCESS_KEY_ID", "ENVKEY"},
                          {"AWS_SECRET_ACCESS_KEY", "ENVSECRET"},
                          {"AWS_SESSION_TOKEN", "ENVTOKEN"}});
  common::S3StorageConfig config;
  config.accessKey = "CFGKEY";
  config.secretKey = "CFGSECRET";
  config.credentialsFile = file;
  EXPECT_EQ(resolveCredentials(config, env)->accessKey, "CFGKEY");
  config.accessKey.clear();
  config.secretKey.clear();
  auto fromFile = resolveCredentials(config, env);
  ASSERT_TRUE(fromFile) << fromFile.error().message;
  EXPECT_EQ(fromFile->accessKey, "FILEKEY");
  EXPECT_EQ(fromFile->secretKey, "FILESECRET");
  EXPECT_EQ(fromFile->sessionToken, "T");
  config.credentialsFile.clear();
  auto fromEnv = resolveCredentials(config, env);
  ASSERT_TRUE(fromEnv);
  EXPECT_EQ(fromEnv->accessKey, "ENVKEY");
  EXPECT_EQ(fromEnv->sessionToken, "ENVTOKEN");
  EXPECT_FALSE(resolveCredentials(config, environment({{"AWS_ACCESS_KEY_ID", "only"}})));
  config.credentialsFile = dir.file("missing");
  EXPECT_FALSE(resolveCredentials(config, env));
}

TEST(S3CredentialsTest, FileErrorsNameTheLineButNoSecret) {
  auto bare = parseCredentialsFile("aws_access_key_id=A\naws_secret_access_key=S\n", "f");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->secretKey, "S");
  auto broken = parseCredentialsFile("[default]\naws_secret_access_key SECRETVALUE\n", "f");
  ASSERT_FALSE(broken);
  expectContains(broken.error().message, "f:2");
  EXPECT_EQ(broken.error().message.find("SECRETVALUE"), std::string::npos);
  EXPECT_FALSE(parseCredentialsFile("[default\n", "f"));
  EXPECT_FALSE(parseCredentialsFile("[default]\naws_access_key_id=A\n", "f"));
  EXPECT_FALSE(parseCredentialsFile("[prod]\naws_access_key_id=A\naws_secret_access_key=S\n", "f"));
}

TEST(S3EndpointTest, AddressesPathStyleAndVirtualHosts) {
  common::S3StorageConfig config;
  config.bucket = "images";
  config.region = "eu-west-1";
  auto aws = Endpoint::fromConfig(config);
  ASSERT_TRUE(aws);
  EXPECT_EQ(aws->baseUrl(), "https://images.s3.eu-west-1.amazonaws.com:443");
  EXPECT_EQ(aws->hostHeader(), "images.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(aws->path("a b/c"), "/a%20b/c");
  EXPECT_EQ(aws->path(""), "/");

  config.endpoint = "http://127.0.0.1:7480/";
  config.pathStyle = true;
  auto rgw = Endpoint::fromConfig(config);
  ASSERT_TRUE(rgw);
  EXPECT_FALSE(rgw->https);
  EXPECT_EQ(rgw->baseUrl(), "http://127.0.0.1:7480");
  EXPECT_EQ(rgw->hostHeader(), "127.0.0.1:7480");
  EXPECT_EQ(rgw->path("blobs/x+y"), "/images/blobs/x%2By");
  EXPECT_EQ(rgw->path(""), "/images");

  config.endpoint = "https://[::1]:9000";
  auto v6 = Endpoint::fromConfig(config);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->baseUrl(), "https://[::1]:9000");
  EXPECT_EQ(v6->hostHeader(), "[::1]:9000");

  config.endpoint = "http://minio:80";
  EXPECT_EQ(Endpoint::fromConfig(config)->hostHeader(), "minio");
  for (const char* bad : {"minio:9000", "http://", "http://h:0", "http://h:99999", "http://h:x",
                          "http://[::1", "http://h/path"}) {
    config.endpoint = bad;
    EXPECT_FALSE(Endpoint::fromConfig(config)) << bad;
  }
}

}  // namespace
}  // namespace berth::registry::s3
