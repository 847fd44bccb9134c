// verify-signature end to end in `berth serve`: images and cosign signatures pushed into the
// registry over the distribution API, AdmissionReviews posted to the webhooks over TLS, and
// `berth policy test --registry` showing what it found. Each way around the gate an attacker
// could try (no signature, another key, a valid signature copied to another image, a signature
// for another repository, an upstream that cannot be reached) must end in a denial that says
// why.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/proxy_test_support.h"
#include "tests/integration/registry_test_support.h"
#include "tests/integration/webhook_test_support.h"
#include "tests/support/cosign_signing.h"

namespace berth::testing {
namespace {

using namespace supplychain::fixtures;
using nlohmann::json;

class WebhookSignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policyDir_.write("keys/release.pub", publicPem(release_.get()));
    const std::string keys = "keys: [{file: keys/release.pub}]";
    policyDir_.write("signed.yaml",
                     "apiVersion: berth.dev/v1\nkind: ImagePolicy\nmetadata: {name: supply-chain}\n"
                     "spec:\n  rules:\n"
                     "    - {name: signed, match: {images: ['localhost:5005/signed/.*']}, action: "
                     "verify-signature, operations: [admit, pull], " +
                         keys +
                         "}\n"
                         "    - {name: pulled, match: {images: ['localhost:5005/pulled/.*', "
                         "'127\\.0\\.0\\.1:1/pulled/.*']}, action: verify-signature, "
                         "operations: [pull], " +
                         keys +
                         "}\n"
                         "    - {name: named, match: {images: ['localhost:5005/named/.*']}, "
                         "action: verify-signature, matchRepository: true, " +
                         keys +
                         "}\n"
                         "    - {name: upstream, match: {images: ['127\\.0\\.0\\.1:1/.*']}, "
                         "action: verify-signature, operations: [admit, pull], " +
                         keys + "}\n");
    const std::string config = configDir_.write(
        "config.yaml",
        "registry:\n  proxy:\n    upstreams:\n"
        "      - {host: '127.0.0.1:1', url: 'http://127.0.0.1:1', insecure: true}\n");
    server_ = std::make_unique<WebhookServer>(
        std::vector<std::string>{"--config", config, "--policy", policyDir_.path()});
    registry_ = std::make_unique<HttpClient>("127.0.0.1", server_->server().registryPort());
  }

  // Pushes an image to repository `repo` and returns its digest.
  std::string image(const std::string& repo) {
    return pushImage(*registry_, repo, "v1", "content of " + repo);
  }
  // The bytes image() pushed (the registry's pull gate may refuse to serve them).
  static std::string manifestOf(const std::string& repo) {
    const std::string seed = "content of " + repo;
    return imageManifest(R"({"architecture":"amd64","os":"linux","seed":")" + seed + "\"}",
                         {"layer of " + seed});
  }

  // Stores in `repo` a cosign signature manifest for `digest` whose one layer is `payload`
  // signed by `key`, as cosign and skopeo do.
  void attachSignature(const std::string& repo, const std::string& digest,
                       const std::string& payload, EVP_PKEY* key) {
    pushBlob(*registry_, repo, payload);
    const std::string config = "{}";
    pushBlob(*registry_, repo, config);
    const json manifest{
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
        {"config", json::parse(descriptor("application/vnd.oci.image.config.v1+json", config))},
        {"layers", json::array({signatureLayerJson(payload, sign(key, payload))})}};
    const auto put =
        putManifest(*registry_, repo, *supplychain::cosignSignatureTag(digest), manifest.dump());
    ASSERT_EQ(put.status, 201) << put.body;
  }
  // The signature as cosign --registry-referrers-mode=oci-1-1 stores it: no tag, the image as
  // the manifest's subject, the cosign signature artifactType; pushed by its digest.
  void attachReferrer(const std::string& repo, const std::string& digest, EVP_PKEY* key) {
    const std::string payload = payloadFor("localhost:5005/" + repo, digest);
    pushBlob(*registry_, repo, payload);
    const std::string empty = "{}";
    pushBlob(*registry_, repo, empty);
    const std::string subject = manifestOf(repo);
    ASSERT_EQ(sha256Of(subject), digest);
    const json manifest{
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
        {"artifactType", std::string(supplychain::kSignatureArtifactType)},
        {"config", json::parse(descriptor("application/vnd.oci.empty.v1+json", empty))},
        {"layers", json::array({signatureLayerJson(payload, sign(key, payload))})},
        {"subject",
         json::parse(descriptor("application/vnd.oci.image.manifest.v1+json", subject))}};
    const std::string bytes = manifest.dump();
    const auto put = putManifest(*registry_, repo, sha256Of(bytes), bytes);
    ASSERT_EQ(put.status, 201) << put.body;
  }
  void signImage(const std::string& repo, const std::string& digest, EVP_PKEY* key) {
    attachSignature(repo, digest, payloadFor("localhost:5005/" + repo, digest), key);
  }

  json validate(const std::string& image) {
    const HttpsAnswer answer = server_->post("/validate?timeout=10s", podReview(image));
    EXPECT_EQ(answer.status, 200) << answer.body;
    return answer.json["response"];
  }
  // The denial message for `image`, failing the test when it is allowed.
  std::string denial(const std::string& image) {
    const json response = validate(image);
    EXPECT_EQ(response["allowed"], false) << image << " was allowed";
    EXPECT_EQ(response["status"]["code"], 403);
    return response["status"]["message"].is_string()
               ? response["status"]["message"].get<std::string>()
               : "";
  }

  TempDir policyDir_;
  TempDir configDir_;
  KeyPtr release_ = ecKey("P-256");
  KeyPtr attacker_ = ecKey("P-256");
  std::unique_ptr<WebhookServer> server_;
  std::unique_ptr<HttpClient> registry_;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(WebhookSignatureTest, ASignedImageIsAdmittedAndAnUnsignedOneIsDenied) {
  const std::string app = image("signed/app");
  signImage("signed/app", app, release_.get());
  const json allowed = validate("localhost:5005/signed/app@" + app);
  EXPECT_EQ(allowed["allowed"], true) << allowed.dump();

  const std::string unsigned_ = image("signed/unsigned");
  const std::string message = denial("localhost:5005/signed/unsigned@" + unsigned_);
  EXPECT_TRUE(contains(message, "is denied by rule \"signed\" of policy \"supply-chain\""))
      << message;
  EXPECT_TRUE(contains(message, "has no signatures (no tag sha256-" + unsigned_.substr(7) + ".sig"))
      << message;
  // The audit line says what each gate found.
  EXPECT_TRUE(contains(server_->server().log(), "\"outcome\":\"satisfied\""));
  EXPECT_TRUE(contains(server_->server().log(), "\"outcome\":\"unsatisfied\""));
}

TEST_F(WebhookSignatureTest, ASignatureFoundThroughTheReferrersApiCounts) {
  const std::string digest = image("signed/referred");
  attachReferrer("signed/referred", digest, attacker_.get());
  EXPECT_TRUE(contains(denial("localhost:5005/signed/referred@" + digest),
                       "not signed by any of the keys"));
  attachReferrer("signed/referred", digest, release_.get());
  const json allowed = validate("localhost:5005/signed/referred@" + digest);
  EXPECT_EQ(allowed["allowed"], true) << allowed.dump();
  // The registry's pull gate finds it the same way.
  EXPECT_EQ(registry_->get("/v2/signed/referred/manifests/v1").status, 200);
}

TEST_F(WebhookSignatureTest, ASignatureByAnotherKeyIsDeniedNamingTheKeys) {
  const std::string digest = image("signed/forged");
  signImage("signed/forged", digest, attacker_.get());
  const std::string message = denial("localhost:5005/signed/forged@" + digest);
  EXPECT_TRUE(contains(message, "found 0 verified of 1 signature")) << message;
  EXPECT_TRUE(
      contains(message, "not signed by any of the keys (" + policyDir_.file("keys/release.pub")))
      << message;
}

TEST_F(WebhookSignatureTest, AValidSignatureCopiedToAnotherImageDoesNotCount) {
  const std::string app = image("signed/original");
  const std::string payload = payloadFor("localhost:5005/signed/original", app);
  // The attacker stores the genuine payload and signature under another image's tag.
  const std::string other = image("signed/other");
  attachSignature("signed/other", other, payload, release_.get());
  const std::string message = denial("localhost:5005/signed/other@" + other);
  EXPECT_TRUE(contains(message, "it signs " + app + ", not " + other)) << message;
}

TEST_F(WebhookSignatureTest, WithMatchRepositoryASignatureForAnotherRepositoryIsDenied) {
  const std::string digest = image("named/app");
  attachSignature("named/app", digest, payloadFor("localhost:5005/named/elsewhere", digest),
                  release_.get());
  const std::string message = denial("localhost:5005/named/app@" + digest);
  EXPECT_TRUE(contains(message,
                       "signed for localhost:5005/named/elsewhere, not for "
                       "localhost:5005/named/app"))
      << message;
  signImage("named/app", digest, release_.get());  // replaces the signature tag
  EXPECT_EQ(validate("localhost:5005/named/app@" + digest)["allowed"], true);
}

TEST_F(WebhookSignatureTest, TheMutatingWebhookPinsTheTagThatIsThenVerified) {
  const std::string app = image("signed/pinned");
  signImage("signed/pinned", app, release_.get());
  EXPECT_TRUE(pinnedByMutation(*server_, "localhost:5005/signed/pinned:v1", app));
  // Unpinned, the validating webhook cannot know which digest runs.
  EXPECT_TRUE(contains(denial("localhost:5005/signed/pinned:v1"), "not pinned to a digest"));
}

TEST_F(WebhookSignatureTest, AnUnreachableUpstreamIsADenialThatSaysSo) {
  const std::string message =
      denial("localhost:5005/127.0.0.1_1/team/app@sha256:" + std::string(64, 'a'));
  EXPECT_TRUE(contains(message, "is denied by rule \"upstream\"")) << message;
  EXPECT_TRUE(contains(message, "its signatures could not be verified")) << message;
}

TEST_F(WebhookSignatureTest, PolicyTestShowsEverySignatureAndWhy) {
  const std::string app = image("signed/shown");
  signImage("signed/shown", app, release_.get());
  const std::string url = "http://127.0.0.1:" + std::to_string(server_->server().registryPort());
  auto shown = runCommand({berthBinary(), "policy", "test", "--policy", policyDir_.path(),
                           "--registry", url, "--image", "localhost:5005/signed/shown:v1"});
  ASSERT_EQ(shown.exitCode, 0) << shown.err;
  EXPECT_TRUE(contains(shown.out, "of localhost:5005/signed/shown:v1@" + app + ": satisfied"))
      << shown.out;
  EXPECT_TRUE(contains(shown.out, "verified by " + policyDir_.file("keys/release.pub") +
                                      ", signed as localhost:5005/signed/shown"))
      << shown.out;

  const std::string forged = image("signed/shown-forged");
  signImage("signed/shown-forged", forged, attacker_.get());
  auto asJson =
      runCommand({berthBinary(), "policy", "test", "--policy", policyDir_.path(), "--registry", url,
                  "--output", "json", "--image", "localhost:5005/signed/shown-forged@" + forged});
  ASSERT_EQ(asJson.exitCode, 0) << asJson.err;
  const auto decision = json::parse(asJson.out);
  const auto& check = decision.at("signatureChecks").at(0);
  EXPECT_EQ(check.at("outcome"), "unsatisfied");
  EXPECT_EQ(check.at("signatures").at(0).at("verified"), false);
  EXPECT_TRUE(contains(check.at("signatures").at(0).at("reason"), "not signed by any of the keys"));
}

// operations: [pull]: a node that bypasses admission (a static Pod, crictl pull) gets the
// manifest only when it is signed; pushes, blobs and the signatures themselves are not held.
// HEAD answers with the digest only, which is what the mutating webhook pins a tag with.
TEST_F(WebhookSignatureTest, ThePullGateServesOnlySignedManifests) {
  const std::string digest = image("pulled/app");
  const std::string byTag = "/v2/pulled/app/manifests/v1";
  const std::string accept = "application/vnd.oci.image.manifest.v1+json";
  for (const std::string& path : {byTag, "/v2/pulled/app/manifests/" + digest}) {
    const auto refused = registry_->get(path, {{"Accept", accept}});
    EXPECT_EQ(refused.status, 403) << path;
    EXPECT_EQ(errorCode(refused), "DENIED");
    EXPECT_TRUE(contains(refused.body, "denied by policy rule 'pulled'")) << refused.body;
    EXPECT_TRUE(contains(refused.body, "has no signatures")) << refused.body;
    EXPECT_EQ(refused.body.find("\"schemaVersion\""), std::string::npos) << refused.body;
    const auto head = registry_->request("HEAD", path, {}, {{"Accept", accept}});
    EXPECT_EQ(head.status, 200) << path;
    EXPECT_EQ(head.header("Docker-Content-Digest"), digest) << path;
    EXPECT_TRUE(head.body.empty()) << path;
  }
  signImage("pulled/forged", image("pulled/forged"), attacker_.get());
  const auto forged = registry_->get("/v2/pulled/forged/manifests/v1", {{"Accept", accept}});
  EXPECT_EQ(forged.status, 403);
  EXPECT_TRUE(contains(forged.body, "not signed by any of the keys")) << forged.body;

  signImage("pulled/app", digest, release_.get());
  EXPECT_EQ(registry_->get(byTag, {{"Accept", accept}}).status, 200);
  // The signature manifest is served: it cannot be run, and verifiers read it.
  EXPECT_EQ(registry_
                ->get("/v2/pulled/app/manifests/" + *supplychain::cosignSignatureTag(digest),
                      {{"Accept", accept}})
                .status,
            200);
  // An image an upstream serves cannot be verified at pull: refused, saying why.
  const auto mirrored =
      registry_->get("/v2/127.0.0.1_1/pulled/app/manifests/1.0", {{"Accept", accept}});
  EXPECT_EQ(mirrored.status, 403);
  EXPECT_TRUE(contains(mirrored.body, "does not check signatures of images it mirrors"))
      << mirrored.body;
}

// Under a pull rule the mutating webhook still pins the tag (by HEAD), so an unsigned image is
// denied with what is wrong with its signatures, not with a failed lookup.
TEST_F(WebhookSignatureTest, UnderAPullRuleTheTagIsPinnedAndTheDenialSaysWhy) {
  const std::string digest = image("signed/tagged");
  EXPECT_TRUE(pinnedByMutation(*server_, "localhost:5005/signed/tagged:v1", digest));
  const std::string message = denial("localhost:5005/signed/tagged:v1@" + digest);
  EXPECT_TRUE(contains(message, "has no signatures")) << message;
}

// With operations [admit, pull] the webhook still reads the signatures through the registry's
// pull gate, and a signed image is admitted and served.
TEST_F(WebhookSignatureTest, AdmissionAndPullGatesTogether) {
  const std::string app = image("signed/both");
  EXPECT_EQ(registry_->get("/v2/signed/both/manifests/v1").status, 403);
  signImage("signed/both", app, release_.get());
  EXPECT_EQ(validate("localhost:5005/signed/both@" + app)["allowed"], true);
  EXPECT_EQ(registry_->get("/v2/signed/both/manifests/v1").status, 200);
}

// A blob pushed as distribution 2.8 takes it: POST for a session, then PUT with the digest.
void pushBlobToDistribution(HttpClient& up, const std::string& repo, const std::string& bytes) {
  const auto session = up.request("POST", "/v2/" + repo + "/blobs/uploads/");
  ASSERT_EQ(session.status, 202) << session.body;
  std::string location = session.header("Location");
  if (const auto path = location.find("/v2/"); path != std::string::npos) {
    location = location.substr(path);
  }
  const auto put = up.request("PUT",
                              location + (location.find('?') == std::string::npos ? "?" : "&") +
                                  "digest=" + sha256Of(bytes),
                              bytes, {{"Content-Type", "application/octet-stream"}});
  ASSERT_EQ(put.status, 201) << put.body;
}

// An upstream's image signed at the upstream (Debian's docker-registry): the webhook reads the
// signature through Berth's pull-through cache, which fetches it from the upstream and keeps
// it like any content. The signature names the upstream's repository (matchRepository on).
TEST(WebhookUpstreamSignatureTest, SignaturesOfAnUpstreamImageComeThroughThePullThroughCache) {
  TempDir dir;
  UpstreamRegistry upstream(dir, "upstream");
  HttpClient up("127.0.0.1", upstream.port());
  KeyPtr release = ecKey("P-256");
  const std::string config = R"({"architecture":"amd64","os":"linux","seed":"upstream"})";
  const std::string layer = "upstream layer";
  pushBlobToDistribution(up, "team/app", config);
  pushBlobToDistribution(up, "team/app", layer);
  const std::string manifest = imageManifest(config, {layer});
  ASSERT_EQ(putManifest(up, "team/app", "1.0", manifest).status, 201);
  const std::string digest = sha256Of(manifest);
  const std::string payload = payloadFor(upstream.address() + "/team/app", digest);
  pushBlobToDistribution(up, "team/app", payload);
  pushBlobToDistribution(up, "team/app", "{}");
  const json signature{
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config", json::parse(descriptor("application/vnd.oci.image.config.v1+json", "{}"))},
      {"layers", json::array({signatureLayerJson(payload, sign(release.get(), payload))})}};
  const auto put =
      putManifest(up, "team/app", *supplychain::cosignSignatureTag(digest), signature.dump());
  ASSERT_EQ(put.status, 201) << put.body;

  dir.write("policy/keys/release.pub", publicPem(release.get()));
  std::string pattern = upstream.address();
  for (size_t at = 0; (at = pattern.find('.', at)) != std::string::npos; at += 2) {
    pattern.insert(at, "\\");
  }
  dir.write("policy/signed.yaml",
            "apiVersion: berth.dev/v1\nkind: ImagePolicy\nmetadata: {name: upstream}\nspec:\n"
            "  rules:\n    - {name: upstream-signed, match: {images: ['" +
                pattern +
                "/.*']}, action: verify-signature, matchRepository: true, keys: [{file: "
                "keys/release.pub}]}\n");
  const std::string berthConfig = dir.write(
      "config.yaml", "registry:\n  proxy:\n    upstreams:\n      - {host: '" + upstream.address() +
                         "', url: 'http://" + upstream.address() + "', insecure: true}\n");
  WebhookServer server({"--config", berthConfig, "--policy", dir.file("policy")});
  const std::string image = "localhost:5005/" + upstream.host() + "/team/app@" + digest;
  HttpsAnswer answer = server.post("/validate?timeout=10s", podReview(image));
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.json["response"]["allowed"], true) << answer.body;

  // Another upstream image, unsigned at the upstream: refused.
  const std::string other = imageManifest(config, {layer}, R"("annotations":{"v":"2"})");
  ASSERT_EQ(putManifest(up, "team/app", "2.0", other).status, 201);
  answer = server.post("/validate?timeout=10s", podReview("localhost:5005/" + upstream.host() +
                                                          "/team/app@" + sha256Of(other)));
  EXPECT_EQ(answer.json["response"]["allowed"], false) << answer.body;
  EXPECT_TRUE(contains(answer.body, "has no signatures")) << answer.body;

  // Cached like any content: Berth serves the signature with the upstream stopped.
  upstream.stop();
  HttpClient berth("127.0.0.1", server.server().registryPort());
  const auto cached = berth.get(
      "/v2/" + upstream.host() + "/team/app/manifests/" + *supplychain::cosignSignatureTag(digest),
      {{"Accept", "application/vnd.oci.image.manifest.v1+json"}});
  EXPECT_EQ(cached.status, 200) << cached.body;
  EXPECT_EQ(sha256Of(cached.body), sha256Of(signature.dump()));
}

}  // namespace
}  // namespace berth::testing
