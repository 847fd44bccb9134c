#include "common/oci/errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace berth::registry {
namespace {

using common::Error;
using common::ErrorCode;

TEST(OciErrorsTest, TableMapsEverySpecCode) {
  const std::vector<std::tuple<ErrorCode, std::string, int>> expected = {
      {ErrorCode::NameInvalid, "NAME_INVALID", 400},
      {ErrorCode::NameUnknown, "NAME_UNKNOWN", 404},
      {ErrorCode::ManifestInvalid, "MANIFEST_INVALID", 400},
      {ErrorCode::ManifestUnknown, "MANIFEST_UNKNOWN", 404},
      {ErrorCode::ManifestBlobUnknown, "MANIFEST_BLOB_UNKNOWN", 400},
      {ErrorCode::BlobUnknown, "BLOB_UNKNOWN", 404},
      {ErrorCode::BlobUploadUnknown, "BLOB_UPLOAD_UNKNOWN", 404},
      {ErrorCode::BlobUploadInvalid, "BLOB_UPLOAD_INVALID", 400},
      {ErrorCode::DigestInvalid, "DIGEST_INVALID", 400},
      {ErrorCode::SizeInvalid, "SIZE_INVALID", 400},
      {ErrorCode::TagInvalid, "TAG_INVALID", 400},
      {ErrorCode::Unsupported, "UNSUPPORTED", 405},
      {ErrorCode::Denied, "DENIED", 403},
      {ErrorCode::Unauthorized, "UNAUTHORIZED", 401},
      {ErrorCode::TooManyRequests, "TOOMANYREQUESTS", 429},
      {ErrorCode::RangeInvalid, "BLOB_UPLOAD_INVALID", 416},
      {ErrorCode::PayloadTooLarge, "SIZE_INVALID", 413},
      {ErrorCode::Internal, "UNKNOWN", 500},
  };
  for (const auto& [code, oci, status] : expected) {
    EXPECT_EQ(oci::ociError(code).code, code);
    EXPECT_EQ(oci::ociError(code).ociCode, oci);
    EXPECT_EQ(oci::ociError(code).httpStatus, status) << oci;
  }
}

TEST(OciErrorsTest, EveryErrorCodeHasItsOwnRow) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::PayloadTooLarge); ++i) {
    EXPECT_EQ(oci::ociError(static_cast<ErrorCode>(i)).code, static_cast<ErrorCode>(i)) << i;
  }
}

TEST(OciErrorsTest, EnvelopeCarriesCodeMessageAndDetail) {
  const auto body = nlohmann::json::parse(
      oci::errorEnvelope(Error{ErrorCode::BlobUnknown, "blob unknown to registry", "sha256:ab"}));
  ASSERT_EQ(body["errors"].size(), 1u);
  EXPECT_EQ(body["errors"][0]["code"], "BLOB_UNKNOWN");
  EXPECT_EQ(body["errors"][0]["message"], "blob unknown to registry");
  EXPECT_EQ(body["errors"][0]["detail"], "sha256:ab");
}

TEST(OciErrorsTest, InternalDetailNeverLeaves) {
  const std::string text = oci::errorEnvelope(
      Error{ErrorCode::Internal, "storage failure", "open /var/lib/berth/blobs: EIO"});
  EXPECT_EQ(text.find("/var/lib"), std::string::npos);
  EXPECT_EQ(text.find("storage failure"), std::string::npos);
  const auto body = nlohmann::json::parse(text);
  EXPECT_EQ(body["errors"][0]["code"], "UNKNOWN");
  EXPECT_TRUE(body["errors"][0]["detail"].is_null());
}

}  // namespace
}  // namespace berth::registry
