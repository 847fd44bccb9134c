// cosign keyed signatures checked with keys made here by OpenSSL: what verifies, and each way
// an attacker could try to pass a signature that should not count.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/base64.h"
#include "common/oci/digest.h"
#include "supplychain/attached_artifact.h"
#include "supplychain/cosign_signature.h"
#include "supplychain/public_key.h"
#include "supplychain/simple_signing.h"
#include "tests/support/cosign_signing.h"

namespace berth::supplychain {
namespace {

using namespace fixtures;

const std::string kDigest = oci::digestOf("the image manifest").str();
const std::string kOther = oci::digestOf("another manifest").str();

class SignatureTest : public ::testing::Test {
 protected:
  KeyPtr signer_ = ecKey("P-256");
  KeyPtr stranger_ = ecKey("P-256");
  std::vector<PublicKey> keys_{loaded(signer_.get(), "release"), loaded(stranger_.get(), "other")};
};

TEST(PublicKeyTest, OnlyP256AndRsaOf2048BitsOrMoreAreLoaded) {
  auto p256 = ecKey("P-256");
  auto loadedP256 = PublicKey::fromPem(publicPem(p256.get()), "a");
  ASSERT_TRUE(loadedP256) << loadedP256.error().message;
  EXPECT_EQ(loadedP256->kind(), "ecdsa-p256");
  auto rsa = rsaKey(2048);
  auto loadedRsa = PublicKey::fromPem(publicPem(rsa.get()), "b");
  ASSERT_TRUE(loadedRsa) << loadedRsa.error().message;
  EXPECT_EQ(loadedRsa->kind(), "rsa-2048");

  auto p384 = PublicKey::fromPem(publicPem(ecKey("P-384").get()), "keys/p384.pub");
  ASSERT_FALSE(p384);
  EXPECT_NE(p384.error().message.find("keys/p384.pub"), std::string::npos);
  EXPECT_NE(p384.error().message.find("P-256"), std::string::npos);
  auto small = PublicKey::fromPem(publicPem(rsaKey(1024).get()), "small");
  ASSERT_FALSE(small);
  EXPECT_NE(small.error().message.find("1024"), std::string::npos);
  EXPECT_FALSE(PublicKey::fromPem(publicPem(ed25519Key().get()), "ed"));
  EXPECT_FALSE(
      PublicKey::fromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "junk"));
  EXPECT_FALSE(PublicKey::fromPem("", "empty"));
}

TEST_F(SignatureTest, ASignatureByAListedKeyVerifies) {
  const std::string payload = payloadFor("registry.example/team/app", kDigest);
  const auto check = checkSignature(layerFor(payload, sign(signer_.get(), payload)), payload, keys_,
                                    kDigest, std::nullopt);
  EXPECT_TRUE(check.verified) << check.reason;
  EXPECT_EQ(check.key, "release");
  EXPECT_EQ(check.dockerReference, "registry.example/team/app");
}

TEST_F(SignatureTest, AnRsaSignatureVerifies) {
  auto rsa = rsaKey(2048);
  const std::vector<PublicKey> keys{loaded(rsa.get(), "rsa")};
  const std::string payload = payloadFor("registry.example/team/app", kDigest);
  const auto check =
      checkSignature(layerFor(payload, sign(rsa.get(), payload)), payload, keys, kDigest, {});
  EXPECT_TRUE(check.verified) << check.reason;
}

TEST_F(SignatureTest, ASignatureByAnUnlistedKeyIsRefusedNamingTheKeys) {
  auto attacker = ecKey("P-256");
  const std::string payload = payloadFor("registry.example/team/app", kDigest);
  const auto check = checkSignature(layerFor(payload, sign(attacker.get(), payload)), payload,
                                    keys_, kDigest, std::nullopt);
  EXPECT_FALSE(check.verified);
  EXPECT_EQ(check.reason, "not signed by any of the keys (release, other)");
}

TEST_F(SignatureTest, ATamperedPayloadIsRefused) {
  const std::string payload = payloadFor("registry.example/team/app", kOther);
  const std::string signature = sign(signer_.get(), payload);
  // The attacker swaps the digest and fixes the layer's digest to match: the signature breaks.
  std::string tampered = payload;
  tampered.replace(tampered.find(kOther), kOther.size(), kDigest);
  const auto check =
      checkSignature(layerFor(tampered, signature), tampered, keys_, kDigest, std::nullopt);
  EXPECT_FALSE(check.verified);
  EXPECT_NE(check.reason.find("not signed by"), std::string::npos) << check.reason;
}

TEST_F(SignatureTest, PayloadBytesThatAreNotTheLayersAreRefused) {
  const std::string payload = payloadFor("registry.example/team/app", kDigest);
  const SignatureLayer layer = layerFor(payload, sign(signer_.get(), payload));
  const auto check = checkSignature(layer, payload + " ", keys_, kDigest, std::nullopt);
  EXPECT_FALSE(check.verified);
  EXPECT_NE(check.reason.find("does not match the layer's digest"), std::string::npos);
}

TEST_F(SignatureTest, AValidSignatureOfAnotherImageDoesNotCount) {
  const std::string payload = payloadFor("registry.example/team/app", kOther);
  const auto check = checkSignature(layerFor(payload, sign(signer_.get(), payload)), payload, keys_,
                                    kDigest, std::nullopt);
  EXPECT_FALSE(check.verified);
  EXPECT_EQ(check.reason, "it signs " + kOther + ", not " + kDigest);
}

TEST_F(SignatureTest, TheSignedRepositoryMustMatchWhenAsked) {
  // skopeo names the image with its tag, cosign without; both are the same repository. A
  // short Docker Hub name is normalised the way the policy engine normalises image names.
  for (const std::string reference : {"registry.example/team/app:v1", "registry.example/team/app",
                                      "REGISTRY.example:443/team/app"}) {
    const std::string payload = payloadFor(reference, kDigest);
    const auto check = checkSignature(layerFor(payload, sign(signer_.get(), payload)), payload,
                                      keys_, kDigest, "registry.example/team/app");
    EXPECT_TRUE(check.verified) << reference << ": " << check.reason;
  }
  const std::string hub = payloadFor("nginx", kDigest);
  EXPECT_TRUE(checkSignature(layerFor(hub, sign(signer_.get(), hub)), hub, keys_, kDigest,
                             "docker.io/library/nginx")
                  .verified);
  for (const std::string reference : {"registry.example/team/app-evil", "registry.example/team",
                                      "evil.example/team/app", "not a reference"}) {
    const std::string payload = payloadFor(reference, kDigest);
    const auto check = checkSignature(layerFor(payload, sign(signer_.get(), payload)), payload,
                                      keys_, kDigest, "registry.example/team/app");
    EXPECT_FALSE(check.verified) << reference;
    EXPECT_EQ(check.reason,
              "it was signed for " + reference + ", not for registry.example/team/app");
  }
}

TEST_F(SignatureTest, ASignedPayloadOfAnotherShapeDoesNotCount) {
  const std::vector<std::string> payloads{
      payloadFor("registry.example/team/app", kDigest, "atomic container signature"),
      payloadFor("registry.example/team/app", "sha256:short"),
      R"({"critical":{"identity":{},"image":{"docker-manifest-digest":")" + kDigest +
          R"("},"type":"cosign container image signature"}})",
      "[]", "not json"};
  for (const auto& payload : payloads) {
    const auto check = checkSignature(layerFor(payload, sign(signer_.get(), payload)), payload,
                                      keys_, kDigest, std::nullopt);
    EXPECT_FALSE(check.verified) << payload;
    EXPECT_NE(check.reason.find("signature payload:"), std::string::npos) << check.reason;
  }
}

TEST_F(SignatureTest, ALayerWithAProblemIsNotChecked) {
  SignatureLayer layer;
  layer.problem = "the signature annotation is not base64";
  const auto check = checkSignature(layer, "", keys_, kDigest, std::nullopt);
  EXPECT_FALSE(check.verified);
  EXPECT_EQ(check.reason, layer.problem);
}

TEST(SignatureManifestTest, ReadsSimpleSigningLayersAndSaysWhyOthersCannotCount) {
  const std::string payload = payloadFor("registry.example/team/app", kDigest);
  nlohmann::json bad = signatureLayerJson(payload, "sig");
  bad["annotations"][std::string(kSignatureAnnotation)] = "%%% not base64";
  nlohmann::json unsigned_ = signatureLayerJson(payload, "sig");
  unsigned_.erase("annotations");
  const nlohmann::json manifest{
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"layers",
       {signatureLayerJson(payload, "sig"),
        {{"mediaType", "application/vnd.oci.image.layer.v1.tar"}, {"digest", kDigest}, {"size", 1}},
        bad,
        unsigned_}}};
  auto layers = parseSignatureManifest(manifest.dump());
  ASSERT_TRUE(layers) << layers.error().message;
  ASSERT_EQ(layers->size(), 3u);
  EXPECT_EQ((*layers)[0].signature, "sig");
  EXPECT_EQ((*layers)[0].payloadSize, payload.size());
  EXPECT_EQ((*layers)[0].problem, "");
  EXPECT_EQ((*layers)[1].problem, "the signature annotation is not base64");
  EXPECT_EQ((*layers)[2].problem, "the layer has no signature annotation");

  EXPECT_FALSE(parseSignatureManifest("{}"));
  EXPECT_FALSE(parseSignatureManifest("not json"));
}

TEST(SignatureManifestTest, AFloodOfSignatureLayersIsCut) {
  nlohmann::json layers = nlohmann::json::array();
  for (size_t i = 0; i < kMaxSignatureLayers * 4; ++i) {
    layers.push_back(signatureLayerJson("payload " + std::to_string(i), "sig"));
  }
  auto parsed = parseSignatureManifest(nlohmann::json{{"layers", layers}}.dump());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->size(), kMaxSignatureLayers);
}

// A signature manifest is a document attached to an image, which gates on running images pass.
TEST(SignatureManifestTest, OnlyAManifestOfSimpleSigningLayersIsAnAttachedDocument) {
  const std::string payload = payloadFor("registry.example/team/app", kDigest);
  const nlohmann::json signature{{"layers", {signatureLayerJson(payload, "sig")}}};
  EXPECT_TRUE(isAttachedArtifact(signature.dump()));
  // An image with one signature-typed layer among runnable ones is an image.
  nlohmann::json mixed = signature;
  mixed["layers"].push_back({{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                             {"digest", kDigest},
                             {"size", 1}});
  EXPECT_FALSE(isAttachedArtifact(mixed.dump()));
  EXPECT_FALSE(isAttachedArtifact(nlohmann::json{{"layers", nlohmann::json::array()}}.dump()));
  EXPECT_FALSE(isAttachedArtifact(R"({"manifests":[]})"));
  EXPECT_FALSE(isAttachedArtifact("not json"));
}

TEST(CosignTagTest, OnlyTheCosignShapeIsASignatureTag) {
  EXPECT_TRUE(isSignatureTag(*cosignSignatureTag(kDigest)));
  EXPECT_FALSE(isSignatureTag("sha256-" + std::string(63, 'a') + ".sig"));
  EXPECT_FALSE(isSignatureTag("sha256-" + std::string(64, 'A') + ".sig"));
  EXPECT_FALSE(isSignatureTag("sha256-" + std::string(64, 'a') + ".att"));
  EXPECT_FALSE(isSignatureTag("v1.0"));
}

TEST(CosignTagTest, TheSignatureTagIsDerivedFromTheDigest) {
  auto tag = cosignSignatureTag(kDigest);
  ASSERT_TRUE(tag);
  EXPECT_EQ(*tag, "sha256-" + kDigest.substr(7) + ".sig");
  EXPECT_FALSE(cosignSignatureTag("sha256:abc"));
  EXPECT_FALSE(cosignSignatureTag("latest"));
}

}  // namespace
}  // namespace berth::supplychain
