// An image's signatures read through a ContentSource and judged against a requirement: what
// satisfies it, and each way it can fail (absent, unreadable, the wrong signer, one signer
// counted twice, another repository, a payload too large to be one).
#include "supplychain/image_signatures.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/oci/digest.h"
#include "tests/support/cosign_signing.h"
#include "tests/support/memory_content_source.h"

namespace berth::supplychain {
namespace {

using namespace fixtures;

const std::string kRepository = "release/app";
const std::string kDigest = oci::digestOf("the image manifest").str();
const std::string kSignedAs = "registry.example/release/app";

using MemorySource = fixtures::MemoryContentSource;

class ImageSignaturesTest : public ::testing::Test {
 protected:
  // Stores a signature manifest for kDigest whose layers are `layers` (payload, signature).
  void publish(const std::vector<std::pair<std::string, std::string>>& layers) {
    nlohmann::json json = nlohmann::json::array();
    for (const auto& [payload, signature] : layers) {
      json.push_back(signatureLayerJson(payload, signature));
      source_.blobs[kRepository + "@" + oci::digestOf(payload).str()] = payload;
    }
    source_.manifests[kRepository + ":" + *cosignSignatureTag(kDigest)] = nlohmann::json{
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
        {"layers", json}}.dump();
  }
  // Stores the same kind of manifest as an OCI 1.1 referrer of kDigest with `artifactType`.
  void publishReferrer(const std::vector<std::pair<std::string, std::string>>& layers,
                       const std::string& artifactType = std::string(kSignatureArtifactType)) {
    nlohmann::json json = nlohmann::json::array();
    for (const auto& [payload, signature] : layers) {
      json.push_back(signatureLayerJson(payload, signature));
      source_.blobs[kRepository + "@" + oci::digestOf(payload).str()] = payload;
    }
    const std::string manifest = nlohmann::json{
        {"schemaVersion", 2},
        {"artifactType", artifactType},
        {"layers", json},
        {"subject",
         {{"digest", kDigest}}}}.dump();
    const std::string digest = oci::digestOf(manifest).str();
    source_.manifests[kRepository + ":" + digest] = manifest;
    source_.referrerTypes[kRepository + "@" + kDigest + ">" + digest] = artifactType;
  }
  std::pair<std::string, std::string> signedBy(EVP_PKEY* key,
                                               const std::string& reference = kSignedAs,
                                               const std::string& digest = kDigest) {
    const std::string payload = payloadFor(reference, digest);
    return {payload, sign(key, payload)};
  }
  SignatureReport verify() {
    return verifyImageSignatures(source_, kRepository, kDigest, requirement_, kSignedAs);
  }

  KeyPtr release_ = ecKey("P-256");
  KeyPtr qa_ = rsaKey(2048);
  KeyPtr attacker_ = ecKey("P-256");
  MemorySource source_;
  SignatureRequirement requirement_{
      {loaded(release_.get(), "release.pub"), loaded(qa_.get(), "qa.pub")}, 1, false};
};

TEST_F(ImageSignaturesTest, ASignatureByAListedKeySatisfiesIt) {
  publish({signedBy(release_.get())});
  const SignatureReport report = verify();
  EXPECT_EQ(report.outcome, SignatureReport::Outcome::Satisfied) << report.reason;
  EXPECT_EQ(report.verified, 1u);
  EXPECT_EQ(report.reason, "signed by release.pub");
  ASSERT_EQ(report.signatures.size(), 1u);
  EXPECT_EQ(report.signatures[0].check.dockerReference, kSignedAs);
}

TEST_F(ImageSignaturesTest, AnImageWithoutSignaturesIsUnsatisfiedNamingTheTag) {
  const SignatureReport report = verify();
  EXPECT_EQ(report.outcome, SignatureReport::Outcome::Unsatisfied);
  EXPECT_NE(report.reason.find("has no signatures"), std::string::npos) << report.reason;
  EXPECT_NE(report.reason.find(*cosignSignatureTag(kDigest)), std::string::npos);
}

TEST_F(ImageSignaturesTest, SignaturesThatCannotBeReadLeaveTheAnswerUnknown) {
  publish({signedBy(release_.get())});
  source_.manifestError = common::Error{common::ErrorCode::Unavailable, "upstream unreachable"};
  SignatureReport report = verify();
  EXPECT_EQ(report.outcome, SignatureReport::Outcome::Unverifiable);
  EXPECT_NE(report.reason.find("upstream unreachable"), std::string::npos) << report.reason;

  source_.manifestError.reset();
  source_.blobError = common::Error{common::ErrorCode::Unavailable, "timed out"};
  report = verify();
  EXPECT_EQ(report.outcome, SignatureReport::Outcome::Unverifiable);
  EXPECT_NE(report.reason.find("timed out"), std::string::npos) << report.reason;
}

TEST_F(ImageSignaturesTest, ASignatureByAnotherKeyDoesNotCountAndTheReasonSaysWhy) {
  publish({signedBy(attacker_.get())});
  const SignatureReport report = verify();
  EXPECT_EQ(report.outcome, SignatureReport::Outcome::Unsatisfied);
  EXPECT_EQ(report.verified, 0u);
  EXPECT_NE(report.reason.find("found 0 verified of 1 signature"), std::string::npos)
      << report.reason;
  EXPECT_NE(report.reason.find("not signed by any of the keys (release.pub, qa.pub)"),
            std::string::npos)
      << report.reason;
}

TEST_F(ImageSignaturesTest, TheMinimumCountsSignersNotSignatures) {
  requirement_.minimum = 2;
  // The same signer twice (two payloads differing in their optional part) is one signer.
  const std::string again = payloadFor(kSignedAs, kDigest).replace(0, 1, "{ ");
  publish({signedBy(release_.get()), {again, sign(release_.get(), again)}});
  SignatureReport report = verify();
  EXPECT_EQ(report.outcome, SignatureReport::Outcome::Unsatisfied) << report.reason;
  EXPECT_EQ(report.verified, 1u);
  EXPECT_NE(report.reason.find("needs 2 signatures"), std::string::npos) << report.reason;

  publish({signedBy(release_.get()), signedBy(qa_.get())});
  report = verify();
  EXPECT_EQ(report.outcome, SignatureReport::Outcome::Satisfied) << report.reason;
  EXPECT_EQ(report.verified, 2u);
}

TEST_F(ImageSignaturesTest, ASignatureForAnotherImageOrRepositoryDoesNotCount) {
  publish({signedBy(release_.get(), kSignedAs, oci::digestOf("another manifest").str())});
  EXPECT_EQ(verify().outcome, SignatureReport::Outcome::Unsatisfied);

  publish({signedBy(release_.get(), "registry.example/attacker/app")});
  EXPECT_EQ(verify().outcome, SignatureReport::Outcome::Satisfied);  // names are not checked
  requirement_.matchRepository = true;
  const SignatureReport report = verify();
  EXPECT_EQ(report.outcome, SignatureReport::Outcome::Unsatisfied);
  EXPECT_NE(report.reason.find("signed for registry.example/attacker/app"), std::string::npos)
      << report.reason;
  publish({signedBy(release_.get())});
  EXPECT_EQ(verify().outcome, SignatureReport::Outcome::Satisfied);
}

TEST_F(ImageSignaturesTest, APayloadTooLargeToBeOneIsNotFetched) {
  const std::string huge(kMaxPayloadBytes + 1, 'x');
  publish({{huge, sign(release_.get(), huge)}});
  const SignatureReport report = verify();
  EXPECT_EQ(report.outcome, SignatureReport::Outcome::Unsatisfied);
  EXPECT_TRUE(source_.fetched.empty());
  ASSERT_EQ(report.signatures.size(), 1u);
  EXPECT_NE(report.signatures[0].check.reason.find("more than a signature payload can be"),
            std::string::npos);
}

TEST_F(ImageSignaturesTest, AMissingPayloadIsNamed) {
  publish({signedBy(release_.get())});
  source_.blobs.clear();
  const SignatureReport report = verify();
  EXPECT_EQ(report.outcome, SignatureReport::Outcome::Unsatisfied);
  EXPECT_NE(report.reason.find("its payload is missing from release/app"), std::string::npos)
      << report.reason;
}

TEST_F(ImageSignaturesTest, ASignatureStoredAsAReferrerCounts) {
  publishReferrer({signedBy(release_.get())});
  const SignatureReport report = verify();
  EXPECT_EQ(report.outcome, SignatureReport::Outcome::Satisfied) << report.reason;
}

TEST_F(ImageSignaturesTest, SignaturesUnderTheTagAndAsReferrersAddUpButOneCopyCountsOnce) {
  requirement_.minimum = 2;
  const auto release = signedBy(release_.get());
  publish({release});
  publishReferrer({release});  // the same signature twice is still one signer
  EXPECT_EQ(verify().outcome, SignatureReport::Outcome::Unsatisfied);
  EXPECT_EQ(verify().signatures.size(), 1u);
  publishReferrer({signedBy(qa_.get())});
  const SignatureReport report = verify();
  EXPECT_EQ(report.outcome, SignatureReport::Outcome::Satisfied) << report.reason;
  EXPECT_EQ(report.verified, 2u);
}

TEST_F(ImageSignaturesTest, OnlyReferrersOfTheSignatureTypeAreRead) {
  publishReferrer({signedBy(release_.get())}, "application/vnd.dev.cosign.artifact.att.v1+json");
  const SignatureReport report = verify();
  EXPECT_EQ(report.outcome, SignatureReport::Outcome::Unsatisfied);
  EXPECT_NE(report.reason.find("no signature referrer"), std::string::npos) << report.reason;
}

TEST_F(ImageSignaturesTest, ReferrersThatCannotBeListedLeaveTheAnswerUnknown) {
  publish({signedBy(release_.get())});
  source_.referrersError = common::Error{common::ErrorCode::Unavailable, "registry down"};
  const SignatureReport report = verify();
  EXPECT_EQ(report.outcome, SignatureReport::Outcome::Unverifiable);
  EXPECT_NE(report.reason.find("registry down"), std::string::npos) << report.reason;
}

}  // namespace
}  // namespace berth::supplychain
