#include "registry/storage/driver/s3/signer.h"

#include <gtest/gtest.h>

#include "common/hmac.h"

namespace berth::registry::s3 {
namespace {

constexpr const char* kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// The GET Object example of the S3 Signature Version 4 documentation ("Example: GET Object",
// Authenticating Requests: Using the Authorization Header, single chunk).
TEST(S3SignerTest, MatchesTheAwsGetObjectExample) {
  SigningRequest request;
  request.method = "GET";
  request.canonicalUri = "/test.txt";
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", kEmptySha256},
                     {"x-amz-date", "20130524T000000Z"}};
  request.payloadHash = kEmptySha256;
  EXPECT_EQ(
      canonicalRequest(request),
      "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string scope = credentialScope("20130524", "us-east-1", "s3");
  EXPECT_EQ(stringToSign("20130524T000000Z", scope, canonicalRequest(request)),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  const Credentials credentials{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                ""};
  EXPECT_EQ(authorization(request, credentials, "20130524T000000Z", "us-east-1"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

// The IAM ListUsers example of the general Signature Version 4 documentation: canonical
// request, its hash, the derived signing key and the signature.
TEST(S3SignerTest, MatchesTheAwsIamListUsersExample) {
  SigningRequest request;
  request.method = "GET";
  request.canonicalUri = "/";
  request.query = {{"Version", "2010-05-08"}, {"Action", "ListUsers"}};
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                     {"Host", "iam.amazonaws.com"},
                     {"X-Amz-Date", "20150830T123600Z"}};
  request.payloadHash = kEmptySha256;
  const std::string canonical = canonicalRequest(request);
  EXPECT_EQ(canonical,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
            "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
            "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "content-type;host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex(canonical),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  const std::string scope = credentialScope("20150830", "us-east-1", "iam");
  const std::string toSign = stringToSign("20150830T123600Z", scope, canonical);
  EXPECT_EQ(toSign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  const std::string key =
      signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam");
  EXPECT_EQ(toHex(key), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  EXPECT_EQ(toHex(common::hmacSha256(key, toSign)),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  const Credentials credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  EXPECT_EQ(authorization(request, credentials, "20150830T123600Z", "us-east-1", "iam"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request,"
            "SignedHeaders=content-type;host;x-amz-date,"
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(S3SignerTest, UriEncodingFollowsTheSigV4Rules) {
  EXPECT_EQ(uriEncode("AZaz09-_.~", true), "AZaz09-_.~");
  EXPECT_EQ(uriEncode("a b+c=d&e/f", true), "a%20b%2Bc%3Dd%26e%2Ff");
  // Paths keep their slashes; every other reserved byte is escaped, once.
  EXPECT_EQ(uriEncode("repositories/team/app/_uploads/x y/data", false),
            "repositories/team/app/_uploads/x%20y/data");
  EXPECT_EQ(uriEncode("100%", false), "100%25");
  EXPECT_EQ(uriEncode("caf\xc3\xa9", false), "caf%C3%A9");
  EXPECT_EQ(uriEncode("a*b", false), "a%2Ab");
}

TEST(S3SignerTest, CanonicalQuerySortsEncodedNamesAndKeepsEmptyValues) {
  EXPECT_EQ(canonicalQueryString({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(canonicalQueryString(
                {{"prefix", "a/b c"},
                 {"list-type", "2"},
                 {"delimiter", "/"},
                 {"continuation-token", "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="}}),
            "continuation-token=1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J%2Fwm36Hy4vbOwM%3D&delimiter=%2F&"
            "list-type=2&prefix=a%2Fb%20c");
  EXPECT_EQ(canonicalQueryString({}), "");
}

TEST(S3SignerTest, HeadersAreLowercasedTrimmedAndJoined) {
  // Built in one go: member-wise assignment of short strings trips GCC 12's
  // -Wmaybe-uninitialized at -O3 (a false positive).
  const SigningRequest request{
      "PUT",
      "/k",
      {},
      {{"X-Amz-Meta-A", "  two   spaces  "}, {"x-amz-meta-a", "second"}, {"Host", "h"}},
      kUnsignedPayload};
  EXPECT_EQ(canonicalRequest(request),
            "PUT\n/k\n\nhost:h\nx-amz-meta-a:two spaces,second\n\nhost;x-amz-meta-a\n"
            "UNSIGNED-PAYLOAD");
}

}  // namespace
}  // namespace berth::registry::s3
