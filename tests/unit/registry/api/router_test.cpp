#include "registry/api/router.h"

#include <gtest/gtest.h>

namespace berth::registry {
namespace {

using common::ErrorCode;

constexpr const char* kDigest =
    "sha256:2222222222222222222222222222222222222222222222222222222222222222";

Route parse(const std::string& path) {
  auto route = parseRoute("GET", path, path);
  EXPECT_TRUE(route.has_value()) << path << ": " << route.error().message;
  return route ? *route : Route{};
}

ErrorCode failure(const std::string& decoded, const std::string& raw,
                  const std::string& method = "PUT") {
  auto route = parseRoute(method, decoded, raw);
  EXPECT_FALSE(route.has_value()) << decoded;
  return route ? ErrorCode::Internal : route.error().code;
}

// The distribution spec's conformance tests read a manifest by an impossible reference and
// expect 404; a write of one is refused as invalid.
TEST(RouterTest, ReadingAnImpossibleManifestReferenceIsUnknownWritingItIsInvalid) {
  for (const char* method : {"GET", "HEAD"}) {
    EXPECT_EQ(failure("/v2/a/manifests/-bad", "/v2/a/manifests/-bad", method),
              ErrorCode::ManifestUnknown);
    EXPECT_EQ(failure("/v2/a/manifests/sha256:xyz", "/v2/a/manifests/sha256:xyz", method),
              ErrorCode::ManifestUnknown);
  }
  for (const char* method : {"PUT", "DELETE"}) {
    EXPECT_EQ(failure("/v2/a/manifests/-bad", "/v2/a/manifests/-bad", method),
              ErrorCode::TagInvalid);
    EXPECT_EQ(failure("/v2/a/manifests/sha256:xyz", "/v2/a/manifests/sha256:xyz", method),
              ErrorCode::DigestInvalid);
  }
  // A bad name is still a bad name, read or write.
  EXPECT_EQ(failure("/v2/A/manifests/v1", "/v2/A/manifests/v1", "GET"), ErrorCode::NameInvalid);
}

TEST(RouterTest, ParsesBaseCatalogAndToken) {
  EXPECT_EQ(parse("/v2/").kind, RouteKind::Base);
  EXPECT_EQ(parse("/v2").kind, RouteKind::Base);
  EXPECT_EQ(parse("/v2/_catalog").kind, RouteKind::Catalog);
  EXPECT_EQ(parse("/v2/token").kind, RouteKind::Token);
}

TEST(RouterTest, SplitsNestedNamesFromTheEnd) {
  Route r = parse("/v2/team/sub/app/manifests/v1.0");
  EXPECT_EQ(r.kind, RouteKind::Manifest);
  EXPECT_EQ(r.name, "team/sub/app");
  EXPECT_EQ(r.reference, "v1.0");
  EXPECT_FALSE(r.referenceIsDigest);

  r = parse(std::string("/v2/a/manifests/") + kDigest);
  EXPECT_TRUE(r.referenceIsDigest);
  EXPECT_EQ(r.reference, kDigest);

  r = parse("/v2/a/b/tags/list");
  EXPECT_EQ(r.kind, RouteKind::Tags);
  EXPECT_EQ(r.name, "a/b");

  r = parse(std::string("/v2/a/blobs/") + kDigest);
  EXPECT_EQ(r.kind, RouteKind::Blob);

  r = parse("/v2/a/blobs/uploads/");
  EXPECT_EQ(r.kind, RouteKind::UploadStart);
  EXPECT_EQ(r.name, "a");
  EXPECT_EQ(parse("/v2/a/blobs/uploads").kind, RouteKind::UploadStart);

  r = parse("/v2/a/blobs/uploads/0123abcd-0123-4567-89ab-0123456789ab");
  EXPECT_EQ(r.kind, RouteKind::Upload);
  EXPECT_EQ(r.reference, "0123abcd-0123-4567-89ab-0123456789ab");

  r = parse(std::string("/v2/x/referrers/") + kDigest);
  EXPECT_EQ(r.kind, RouteKind::Referrers);
}

TEST(RouterTest, NamesMayContainOperationWords) {
  Route r = parse("/v2/blobs/manifests/tags/list");
  EXPECT_EQ(r.kind, RouteKind::Tags);
  EXPECT_EQ(r.name, "blobs/manifests");
  r = parse("/v2/x/blobs/blobs/uploads/0123abcd-0123-4567-89ab-0123456789ab");
  EXPECT_EQ(r.kind, RouteKind::Upload);
  EXPECT_EQ(r.name, "x/blobs");
}

TEST(RouterTest, RejectsInvalidParts) {
  EXPECT_EQ(failure("/v2/UPPER/manifests/v1", "/v2/UPPER/manifests/v1"), ErrorCode::NameInvalid);
  EXPECT_EQ(failure("/v2/a/manifests/-bad", "/v2/a/manifests/-bad"), ErrorCode::TagInvalid);
  EXPECT_EQ(failure("/v2/a/manifests/sha256:abc", "/v2/a/manifests/sha256:abc"),
            ErrorCode::DigestInvalid);
  EXPECT_EQ(failure("/v2/a/blobs/not-a-digest", "/v2/a/blobs/not-a-digest"),
            ErrorCode::DigestInvalid);
  EXPECT_EQ(failure("/v2/a/blobs/uploads/../../etc", "/v2/a/blobs/uploads/../../etc"),
            ErrorCode::NameInvalid);
  EXPECT_EQ(failure("/v2/a/blobs/uploads/zzz", "/v2/a/blobs/uploads/zzz"),
            ErrorCode::BlobUploadUnknown);
  EXPECT_EQ(failure("/v2/a/unknown/x", "/v2/a/unknown/x"), ErrorCode::NotFound);
  EXPECT_EQ(failure("/v3/a/tags/list", "/v3/a/tags/list"), ErrorCode::NotFound);
}

TEST(RouterTest, TraversalIsImpossible) {
  EXPECT_EQ(failure("/v2/../../etc/manifests/v1", "/v2/../../etc/manifests/v1"),
            ErrorCode::NameInvalid);
  EXPECT_EQ(failure("/v2/a/../b/manifests/v1", "/v2/a/%2e%2e/b/manifests/v1"),
            ErrorCode::NameInvalid);
  EXPECT_EQ(failure("/v2/a/..%2fb/manifests/v1", "/v2/a/..%2fb/manifests/v1"),
            ErrorCode::NameInvalid);
  EXPECT_EQ(failure("/v2/a/b/manifests/v1", "/v2/a%2Fb/manifests/v1"), ErrorCode::NameInvalid);
  EXPECT_EQ(failure(std::string("/v2/a\0b/manifests/v1", 20), "/v2/a%00b/manifests/v1"),
            ErrorCode::NameInvalid);
  EXPECT_EQ(failure("/v2/a/manifests/..", "/v2/a/manifests/.."), ErrorCode::NameInvalid);
  EXPECT_EQ(failure("/v2/a//b/tags/list", "/v2/a//b/tags/list"), ErrorCode::NameInvalid);
  EXPECT_EQ(failure("/v2/a\\b/tags/list", "/v2/a\\b/tags/list"), ErrorCode::NameInvalid);
  EXPECT_EQ(failure("/v2/" + std::string(300, 'a') + "/tags/list",
                    "/v2/" + std::string(300, 'a') + "/tags/list"),
            ErrorCode::NameInvalid);
}

}  // namespace
}  // namespace berth::registry
