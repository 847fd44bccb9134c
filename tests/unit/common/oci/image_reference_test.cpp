#include "common/oci/image_reference.h"

#include <gtest/gtest.h>

#include <string>

namespace berth::policy {
namespace {

const std::string kSha256 = "sha256:" + std::string(64, 'a');
const std::string kSha512 = "sha512:" + std::string(128, 'b');

struct ValidCase {
  std::string input;
  std::string domain;
  std::string path;
  std::string tag;
  std::string digest;
  std::string normalised;
};

class ValidReferenceTest : public ::testing::TestWithParam<ValidCase> {};

TEST_P(ValidReferenceTest, ParsesAndNormalises) {
  const ValidCase& c = GetParam();
  auto ref = oci::parseImageReference(c.input);
  ASSERT_TRUE(ref) << c.input << ": " << ref.error().message;
  EXPECT_EQ(ref->domain, c.domain) << c.input;
  EXPECT_EQ(ref->path, c.path) << c.input;
  EXPECT_EQ(ref->tag, c.tag) << c.input;
  EXPECT_EQ(ref->digest, c.digest) << c.input;
  EXPECT_EQ(ref->str(), c.normalised) << c.input;
  // Normalisation is a fixed point.
  auto again = oci::parseImageReference(ref->str());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->str(), ref->str());
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidReferenceTest,
    ::testing::Values(
        ValidCase{"nginx", "docker.io", "library/nginx", "latest", "",
                  "docker.io/library/nginx:latest"},
        ValidCase{"nginx:1.25", "docker.io", "library/nginx", "1.25", "",
                  "docker.io/library/nginx:1.25"},
        ValidCase{"library/nginx:1.25", "docker.io", "library/nginx", "1.25", "",
                  "docker.io/library/nginx:1.25"},
        ValidCase{"docker.io/nginx", "docker.io", "library/nginx", "latest", "",
                  "docker.io/library/nginx:latest"},
        ValidCase{"index.docker.io/library/nginx:1", "docker.io", "library/nginx", "1", "",
                  "docker.io/library/nginx:1"},
        ValidCase{"bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", "",
                  "docker.io/bitnami/redis:7.2"},
        ValidCase{"ghcr.io/a/b@" + kSha256, "ghcr.io", "a/b", "", kSha256,
                  "ghcr.io/a/b@" + kSha256},
        ValidCase{"ghcr.io/a/b:v1@" + kSha256, "ghcr.io", "a/b", "v1", kSha256,
                  "ghcr.io/a/b:v1@" + kSha256},
        ValidCase{"quay.io/org/app:v1.2.3-rc.1", "quay.io", "org/app", "v1.2.3-rc.1", "",
                  "quay.io/org/app:v1.2.3-rc.1"},
        ValidCase{"localhost/app", "localhost", "app", "latest", "", "localhost/app:latest"},
        ValidCase{"localhost:5005/docker.io/library/nginx:1.25", "localhost:5005",
                  "docker.io/library/nginx", "1.25", "",
                  "localhost:5005/docker.io/library/nginx:1.25"},
        ValidCase{"127.0.0.1:5000/team/app:1", "127.0.0.1:5000", "team/app", "1", "",
                  "127.0.0.1:5000/team/app:1"},
        // One canonical name per image, as containerd resolves it: host names are
        // case-insensitive, :443 is the default port, Docker Hub has three names.
        ValidCase{"Registry.Example.COM/a:1", "registry.example.com", "a", "1", "",
                  "registry.example.com/a:1"},
        ValidCase{"GHCR.IO/evil/miner:1", "ghcr.io", "evil/miner", "1", "", "ghcr.io/evil/miner:1"},
        ValidCase{"ghcr.io:443/evil/miner:1", "ghcr.io", "evil/miner", "1", "",
                  "ghcr.io/evil/miner:1"},
        ValidCase{"GHCR.io:443/evil/miner:1", "ghcr.io", "evil/miner", "1", "",
                  "ghcr.io/evil/miner:1"},
        ValidCase{"registry-1.docker.io/library/nginx:1", "docker.io", "library/nginx", "1", "",
                  "docker.io/library/nginx:1"},
        ValidCase{"Index.Docker.IO:443/nginx:1", "docker.io", "library/nginx", "1", "",
                  "docker.io/library/nginx:1"},
        ValidCase{"LOCALHOST:5005/team/app:1", "localhost:5005", "team/app", "1", "",
                  "localhost:5005/team/app:1"},
        // Only the HTTPS default is dropped: another port is another registry.
        ValidCase{"ghcr.io:4443/a:1", "ghcr.io:4443", "a", "1", "", "ghcr.io:4443/a:1"},
        ValidCase{"a:443/b:1", "a:443", "b", "1", "", "a:443/b:1"},
        ValidCase{"my-registry.local:443/a/b/c/d:_tag", "my-registry.local", "a/b/c/d", "_tag", "",
                  "my-registry.local/a/b/c/d:_tag"},
        ValidCase{"a__b/c.d/e-f/g---h:T", "docker.io", "a__b/c.d/e-f/g---h", "T", "",
                  "docker.io/a__b/c.d/e-f/g---h:T"},
        ValidCase{"x@" + kSha512, "docker.io", "library/x", "", kSha512,
                  "docker.io/library/x@" + kSha512},
        ValidCase{"r.io/a:" + std::string(128, 't'), "r.io", "a", std::string(128, 't'), "",
                  "r.io/a:" + std::string(128, 't')}));

struct InvalidCase {
  std::string input;
  std::string expectedWords;
};

class InvalidReferenceTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidReferenceTest, IsAClearError) {
  const InvalidCase& c = GetParam();
  auto ref = oci::parseImageReference(c.input);
  ASSERT_FALSE(ref) << c.input << " parsed as " << ref->str();
  EXPECT_EQ(ref.error().code, common::ErrorCode::InvalidArgument);
  EXPECT_NE(ref.error().message.find(c.expectedWords), std::string::npos)
      << c.input << ": " << ref.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, InvalidReferenceTest,
    ::testing::Values(
        InvalidCase{"", "empty reference"}, InvalidCase{"Nginx", "lowercase"},
        InvalidCase{"docker.io/Library/nginx", "lowercase"},
        InvalidCase{"nginx@sha256:abc", "bad digest"},
        InvalidCase{"nginx@sha256:" + std::string(64, 'A'), "bad digest"},
        InvalidCase{"nginx@md5:" + std::string(32, 'a') + "!", "bad digest"},
        InvalidCase{"nginx@sha256" + std::string(64, 'a'), "bad digest"},
        InvalidCase{"nginx@sha512:" + std::string(64, 'a'), "bad digest"},
        InvalidCase{"ghcr.io//b", "empty path component"},
        InvalidCase{"ghcr.io/a//b", "empty path component"},
        InvalidCase{"ghcr.io/a/", "empty path component"},
        InvalidCase{"a/b/", "empty path component"}, InvalidCase{"ghcr.io/", "missing repository"},
        InvalidCase{":tag", "missing repository"}, InvalidCase{"nginx:", "bad tag"},
        InvalidCase{"nginx:-x", "bad tag"}, InvalidCase{"nginx:a/b", "bad registry host"},
        InvalidCase{"nginx:" + std::string(129, 't'), "bad tag"},
        InvalidCase{"-nginx", "bad path component"}, InvalidCase{"nginx-", "bad path component"},
        InvalidCase{"ng..inx", "bad path component"}, InvalidCase{"ng___inx", "bad path component"},
        InvalidCase{"ng inx", "bad path component"},
        InvalidCase{"ghcr.io/a/../b", "bad path component"},
        InvalidCase{"-bad.io/a", "bad registry host"},
        InvalidCase{"ghcr.io./evil/x:1", "bad registry host"},
        // Lower-cased, a single-label host would read as a Docker Hub path: no one name.
        InvalidCase{"UPPER/case", "is no registry host"},
        InvalidCase{"Evil/miner:1", "must be lowercase"},
        InvalidCase{"ghcr.io:/evil/x:1", "bad registry host"},
        InvalidCase{"bad.io:port/a", "bad registry host"},
        InvalidCase{"bad.io:123456/a", "bad registry host"},
        InvalidCase{"r.io/" + std::string(260, 'a'), "longer than 255"}));

TEST(ImageReferenceTest, GrammarHelpers) {
  EXPECT_TRUE(oci::isValidRepositoryPath("library/nginx"));
  EXPECT_TRUE(oci::isValidRepositoryPath("a/b-c/d_e/f.g/h__i"));
  EXPECT_FALSE(oci::isValidRepositoryPath(""));
  EXPECT_FALSE(oci::isValidRepositoryPath("../etc"));
  EXPECT_FALSE(oci::isValidRepositoryPath("a/%2e%2e/b"));
  EXPECT_FALSE(oci::isValidRepositoryPath("/abs"));
  EXPECT_FALSE(oci::isValidRepositoryPath(std::string("a\0b", 3)));
  EXPECT_FALSE(oci::isValidRepositoryPath(std::string(256, 'a')));
  EXPECT_TRUE(oci::isValidTag("v1.0_rc-2"));
  EXPECT_FALSE(oci::isValidTag(".hidden"));
  EXPECT_FALSE(oci::isValidTag("a:b"));
  EXPECT_TRUE(oci::isValidDigest(kSha256));
  EXPECT_TRUE(oci::isValidDigest(kSha512));
  EXPECT_FALSE(oci::isValidDigest("sha256:" + std::string(63, 'a')));
  EXPECT_FALSE(oci::isValidDigest(":" + std::string(64, 'a')));
  EXPECT_TRUE(oci::isValidDigest("blake3:" + std::string(64, 'a')));
}

}  // namespace
}  // namespace berth::policy
