#include "common/oci/manifest.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace berth::registry {
namespace {

using common::ErrorCode;

std::string fixture(const std::string& name) {
  return testing::readFile(testing::sourcePath("tests/fixtures/registry/" + name));
}

TEST(ManifestTest, OciManifestListsConfigAndLayers) {
  auto info = oci::parseManifest(fixture("oci_manifest.json"), oci::media::kOciManifest);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_EQ(info->mediaType, oci::media::kOciManifest);
  EXPECT_FALSE(info->isIndex);
  ASSERT_EQ(info->blobs.size(), 2u);
  EXPECT_EQ(info->blobs[0].hex, std::string(64, '1'));
  EXPECT_EQ(info->artifactType, "application/vnd.oci.image.config.v1+json");
  EXPECT_EQ(info->annotations.at("org.opencontainers.image.title"), "app");
}

TEST(ManifestTest, IndexListsChildManifests) {
  auto info = oci::parseManifest(fixture("oci_index.json"), "");
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_TRUE(info->isIndex);
  EXPECT_TRUE(info->blobs.empty());
  ASSERT_EQ(info->manifests.size(), 1u);
}

TEST(ManifestTest, DockerManifestSkipsForeignLayers) {
  auto info = oci::parseManifest(fixture("docker_manifest.json"), oci::media::kDockerManifest);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_EQ(info->blobs.size(), 2u);
}

TEST(ManifestTest, ArtifactWithSubject) {
  auto info = oci::parseManifest(fixture("artifact_with_subject.json"), oci::media::kOciManifest);
  ASSERT_TRUE(info.has_value()) << info.error().message;
  ASSERT_TRUE(info->subject.has_value());
  EXPECT_EQ(info->subject->hex, std::string(64, '5'));
  EXPECT_EQ(info->artifactType, "application/vnd.example.sbom.v1");
  EXPECT_EQ(info->blobs.size(), 1u);  // the inline empty config need not exist
}

TEST(ManifestTest, RejectsSchema1AndGarbage) {
  auto schema1 = oci::parseManifest(fixture("docker_schema1.json"), "");
  ASSERT_FALSE(schema1.has_value());
  EXPECT_EQ(schema1.error().code, ErrorCode::ManifestInvalid);
  EXPECT_NE(schema1.error().message.find("schema 1"), std::string::npos);
  EXPECT_FALSE(oci::parseManifest("{}", oci::media::kDockerSchema1Signed).has_value());
  EXPECT_FALSE(oci::parseManifest("not json", "").has_value());
  EXPECT_FALSE(oci::parseManifest("[]", "").has_value());
  auto bad = oci::parseManifest(fixture("bad_descriptor.json"), "");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::ManifestInvalid);
}

TEST(ManifestTest, RejectsContentTypeThatContradictsMediaType) {
  auto info = oci::parseManifest(fixture("oci_manifest.json"), oci::media::kDockerManifest);
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().code, ErrorCode::ManifestInvalid);
  EXPECT_TRUE(oci::parseManifest(fixture("oci_manifest.json"), "application/json").has_value());
}

TEST(ManifestTest, StoredMediaTypeIsInferred) {
  EXPECT_EQ(oci::storedManifestMediaType(fixture("docker_manifest.json")),
            oci::media::kDockerManifest);
  EXPECT_EQ(oci::storedManifestMediaType(R"({"schemaVersion":2,"manifests":[]})"),
            oci::media::kOciIndex);
  EXPECT_EQ(oci::baseMediaType(" application/json; charset=utf-8"), "application/json");
}

}  // namespace
}  // namespace berth::registry
