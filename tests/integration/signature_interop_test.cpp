// Keyed sigstore (cosign) signatures with real clients: skopeo signs an image into `berth serve`,
// Berth's own verifier (supplychain/) checks what skopeo wrote, and containers/image's policy
// engine verifies the same signatures from Berth under a sigstoreSigned requirement, run as
// `skopeo copy --policy` and as podman itself pulling with `--signature-policy`; the verifiers
// must agree, on good signatures and on attacks. A missing tool fails the test.
//
// Debian 12's skopeo 1.9.3 and podman 4.3.1 cannot be used: their containers/image (5.23.1-4)
// carries disable-sigstore.patch, so signing fails with "creating signature: Debian-local change:
// sigstore disabled" and a sigstoreSigned requirement rejects every signature with that same
// message. So the test uses Debian 13's skopeo 1.18 and podman 5.4 (containers/image 5.34,
// sigstore enabled), which tests/support/trixie-containers.sh unpacks with trixie's own libc and
// loader into ~/.cache/berth-e2e (about 52 MB downloaded once) and runs through wrappers; SetUp
// runs the script and uses the wrappers beside the path it prints. podman runs as root with the
// vfs storage driver in the test's own directories.
//
// Every skopeo command names its configuration (--policy, --registries.d, an empty
// --registries-conf), so the host's policy.json, registries.d and registries.conf are not read;
// skopeo has no flag for the rest it reads (registries.conf.d drop-ins, credential files,
// certs.d) or writes (its blob-info cache, /var/lib/containers/cache when run as root).
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "supplychain/cosign_signature.h"
#include "supplychain/public_key.h"
#include "tests/integration/registry_test_support.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::testing {
namespace {

using nlohmann::json;
using supplychain::checkSignature;
using supplychain::PublicKey;
using supplychain::SignatureLayer;

constexpr const char* kManifestAccept =
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

std::string commandLine(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& arg : argv) line += arg + " ";
  return line;
}

// Runs a command; a failure carries the command line and everything it wrote.
::testing::AssertionResult runs(const std::vector<std::string>& argv,
                                CommandResult* result = nullptr) {
  CommandResult local = runCommand(argv);
  if (result != nullptr) *result = local;
  if (local.exitCode == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << commandLine(argv) << "exited " << local.exitCode << "\n"
                                       << local.out << local.err;
}

// tests/support/trixie-containers.sh, run once per test program: it installs trixie's skopeo
// and podman (or finds them installed) and prints the skopeo wrapper's path as its last line.
const CommandResult& trixieContainersInstall() {
  static const CommandResult result =
      runCommand({sourcePath("tests/support/trixie-containers.sh")});
  return result;
}

// A key pair made by tests/support/sigstore_keygen.py, the files skopeo reads.
struct KeyPair {
  std::string privateKey;
  std::string publicKey;
  std::string passphraseFile;
};

// The payload blob and its layer, as Berth serves them under the signature tag.
struct FetchedSignature {
  SignatureLayer layer;
  std::string payload;
};

class SignatureInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"umoci", "openssl"}) requireTool(tool);
    if (HasFatalFailure()) return;
    const CommandResult& install = trixieContainersInstall();
    ASSERT_EQ(install.exitCode, 0) << "tests/support/trixie-containers.sh failed:\n" << install.err;
    std::string out = install.out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    skopeo_ = out.substr(out.find_last_of('\n') + 1);
    podman_ = std::filesystem::path(skopeo_).parent_path() / "podman";
    CommandResult version;
    ASSERT_TRUE(runs({skopeo_, "--version"}, &version));
    ASSERT_EQ(version.out.rfind("skopeo version 1.18.", 0), 0u) << version.out;
    ASSERT_TRUE(runs({podman_, "--version"}, &version));
    ASSERT_EQ(version.out.rfind("podman version 5.", 0), 0u) << version.out;

    server_ = std::make_unique<BerthServer>(std::vector<std::string>{}, dir_.path());
    address_ = server_->registryAddress();
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->registryPort());
    // Signatures go to and come from the image's repository, under sha256-<hex>.sig.
    const std::string registriesD =
        "docker:\n  " + address_ + ":\n    use-sigstore-attachments: true\n";
    dir_.write("registries.d/berth.yaml", registriesD);
    // podman has no --registries.d: containers/image reads $HOME/.config/containers/registries.d
    // before /etc/containers/registries.d, and podman runs with HOME here.
    dir_.write("podman-home/.config/containers/registries.d/berth.yaml", registriesD);
    registriesConf_ = dir_.write("registries.conf", "");
    acceptAnything_ =
        dir_.write("policy-accept.json", R"({"default":[{"type":"insecureAcceptAnything"}]})");
    buildImages();
  }

  // An OCI layout at DIR/layout holding two one-layer images, v1 and v2 (another command, so
  // another digest).
  void buildImages() {
    const std::string image = dir_.file("layout") + ":v1";
    dir_.write("src/hello.txt", "signed with skopeo\n");
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {"umoci", "init", "--layout", dir_.file("layout")},
             {"umoci", "new", "--image", image},
             {"umoci", "insert", "--image", image, dir_.file("src"), "/app"},
             {"umoci", "config", "--image", image, "--config.cmd", "/app/hello.txt"},
             {"umoci", "config", "--image", image, "--tag", "v2", "--config.cmd", "/app/other"}}) {
      ASSERT_TRUE(runs(argv));
    }
  }

  // The digest of the layout's image `tag`.
  std::string layoutManifestDigest(const std::string& tag) const {
    const auto index = json::parse(readFile(dir_.file("layout") + "/index.json"));
    for (const auto& manifest : index.at("manifests")) {
      if (manifest.at("annotations").at("org.opencontainers.image.ref.name") == tag) {
        return manifest.at("digest").get<std::string>();
      }
    }
    throw std::runtime_error("no tag " + tag + " in the layout");
  }

  // An ECDSA P-256 key pair, its private key encrypted with a passphrase, as cosign makes them.
  KeyPair makeKeys(const std::string& name) {
    KeyPair keys{dir_.file(name + ".key"), dir_.file(name + ".pub"),
                 dir_.write(name + ".pass", "passphrase of " + name)};
    EXPECT_TRUE(runs({sourcePath("tests/support/sigstore_keygen.py"), "--out", dir_.file(name),
                      "--passphrase-file", keys.passphraseFile}));
    return keys;
  }

  static PublicKey loadKey(const KeyPair& keys, const std::string& name) {
    auto key = PublicKey::fromPem(readFile(keys.publicKey), name);
    if (!key) throw std::runtime_error(name + ": " + key.error().message);
    return *key;
  }

  // skopeo with its configuration named: the trust policy, registries.d, an empty
  // registries.conf.
  std::vector<std::string> skopeo(const std::string& policy) const {
    return {skopeo_,
            "--policy",
            policy,
            "--registries-conf",
            registriesConf_,
            "--registries.d",
            dir_.file("registries.d")};
  }

  // skopeo copies the layout's image `tag` to ADDR/<nameAndTag>, signing it with `keys` when
  // given.
  ::testing::AssertionResult push(const std::string& tag, const std::string& nameAndTag,
                                  const KeyPair* keys) {
    std::vector<std::string> argv = skopeo(acceptAnything_);
    argv.insert(argv.end(), {"copy", "--dest-tls-verify=false"});
    if (keys != nullptr) {
      argv.insert(argv.end(), {"--sign-by-sigstore-private-key", keys->privateKey,
                               "--sign-passphrase-file", keys->passphraseFile});
    }
    argv.push_back("oci:" + dir_.file("layout") + ":" + tag);
    argv.push_back("docker://" + address_ + "/" + nameAndTag);
    return runs(argv);
  }

  // The digest Berth names for repo:tag, checked against the bytes it serves.
  std::string manifestDigest(const std::string& repo, const std::string& tag) {
    auto manifest =
        client_->get("/v2/" + repo + "/manifests/" + tag, {{"Accept", kManifestAccept}});
    EXPECT_EQ(manifest.status, 200) << manifest.body;
    EXPECT_EQ(manifest.header("Docker-Content-Digest"), sha256Of(manifest.body));
    return manifest.header("Docker-Content-Digest");
  }

  static std::string signatureTag(const std::string& digest) {
    auto tag = supplychain::cosignSignatureTag(digest);
    EXPECT_TRUE(tag) << digest;
    return tag ? *tag : std::string("none");
  }

  // GET of the signature tag of `digest` in `repo`.
  HttpResponse signatureManifest(const std::string& repo, const std::string& digest) {
    return client_->get("/v2/" + repo + "/manifests/" + signatureTag(digest),
                        {{"Accept", kManifestAccept}});
  }

  // Every signature of `digest` that Berth serves: the signature manifest's simple-signing
  // layers, each with its payload blob.
  std::vector<FetchedSignature> fetchSignatures(const std::string& repo,
                                                const std::string& digest) {
    std::vector<FetchedSignature> out;
    const auto manifest = signatureManifest(repo, digest);
    EXPECT_EQ(manifest.status, 200) << manifest.body;
    // containers/image reads the attachment manifest only as this type.
    EXPECT_EQ(manifest.header("Content-Type"), "application/vnd.oci.image.manifest.v1+json");
    auto layers = supplychain::parseSignatureManifest(manifest.body);
    EXPECT_TRUE(layers) << (layers ? "" : layers.error().message) << "\n" << manifest.body;
    if (!layers) return out;
    for (const auto& layer : *layers) {
      EXPECT_EQ(layer.problem, "") << manifest.body;
      const auto blob = client_->get("/v2/" + repo + "/blobs/" + layer.payloadDigest);
      EXPECT_EQ(blob.status, 200) << layer.payloadDigest;
      out.push_back({layer, blob.body});
    }
    return out;
  }

  // An attacker with push access copies the signature manifest of `digest` in `repo`, and its
  // blobs, byte for byte to `toRepo` under the signature tag of `toDigest`.
  ::testing::AssertionResult plantSignature(const std::string& repo, const std::string& digest,
                                            const std::string& toRepo,
                                            const std::string& toDigest) {
    const auto manifest = signatureManifest(repo, digest);
    if (manifest.status != 200) {
      return ::testing::AssertionFailure() << "no signature manifest: " << manifest.body;
    }
    const auto parsed = json::parse(manifest.body);
    std::vector<std::string> blobs = {parsed.at("config").at("digest").get<std::string>()};
    for (const auto& l : parsed.at("layers")) blobs.push_back(l.at("digest").get<std::string>());
    for (const auto& blobDigest : blobs) {
      const auto blob = client_->get("/v2/" + repo + "/blobs/" + blobDigest);
      if (blob.status != 200) return ::testing::AssertionFailure() << "no blob " << blobDigest;
      if (pushBlob(*client_, toRepo, blob.body) != blobDigest) {
        return ::testing::AssertionFailure() << "pushed " << blobDigest << " as another digest";
      }
    }
    const auto planted = putManifest(*client_, toRepo, signatureTag(toDigest), manifest.body,
                                     manifest.header("Content-Type"));
    if (planted.status != 201) {
      return ::testing::AssertionFailure() << "PUT " << planted.status << ": " << planted.body;
    }
    return ::testing::AssertionSuccess();
  }

  // A policy that rejects everything except images under ADDR/signed signed by `keys` for their
  // own repository. skopeo copy judges only the source image, so the oci entry (the destination)
  // changes nothing; it is there to say so.
  std::string writePolicy(const std::string& name, const KeyPair& keys) {
    json policy;
    policy["default"] = json::array({json{{"type", "reject"}}});
    policy["transports"]["docker"][address_ + "/signed"] =
        json::array({json{{"type", "sigstoreSigned"},
                          {"keyPath", keys.publicKey},
                          {"signedIdentity", json{{"type", "matchRepository"}}}}});
    policy["transports"]["oci"][""] = json::array({json{{"type", "insecureAcceptAnything"}}});
    return dir_.write(name, policy.dump(2));
  }

  // containers/image's policy engine judges ADDR/<nameAndTag> under `policy`: skopeo copies it
  // from Berth into a fresh OCI layout, which it does only when the policy accepts the image.
  // The policy judges the source's signatures before anything is copied; --remove-signatures
  // only keeps skopeo from writing them to the layout, which cannot hold them.
  CommandResult verify(const std::string& policy, const std::string& nameAndTag) {
    const std::string out = dir_.file("verified-" + std::to_string(++verifications_));
    std::vector<std::string> argv = skopeo(policy);
    argv.insert(argv.end(), {"copy", "--src-tls-verify=false", "--remove-signatures",
                             "docker://" + address_ + "/" + nameAndTag, "oci:" + out + ":v1"});
    CommandResult result = runCommand(argv);
    result.err = commandLine(argv) + "\n" + result.err;
    return result;
  }

  // podman pulls ADDR/<nameAndTag> under `policy` (--signature-policy) into a fresh vfs store of
  // its own, as root, with HOME, registries.conf and temporary files of the test's and no event
  // log: the pull succeeds only when the policy accepts the image's signatures. Like skopeo, it
  // still writes its blob-info cache under /var/lib/containers/cache.
  CommandResult podmanPull(const std::string& policy, const std::string& nameAndTag) {
    const std::string store = dir_.file("podman-" + std::to_string(++podmanPulls_));
    const std::vector<std::string> argv = {"env",
                                           "HOME=" + dir_.file("podman-home"),
                                           "CONTAINERS_REGISTRIES_CONF=" + registriesConf_,
                                           "TMPDIR=" + store,
                                           podman_,
                                           "--events-backend",
                                           "none",
                                           "--storage-driver",
                                           "vfs",
                                           "--root",
                                           store + "/root",
                                           "--runroot",
                                           store + "/run",
                                           "--tmpdir",
                                           store + "/libpod",
                                           "pull",
                                           "--tls-verify=false",
                                           "--signature-policy",
                                           policy,
                                           address_ + "/" + nameAndTag};
    CommandResult result = runCommand(argv);
    result.err = commandLine(argv) + "\n" + result.err;
    return result;
  }

  // The digest of the manifest podman stored for ADDR/<nameAndTag> in the store of its last pull.
  std::string podmanPulledDigest(const std::string& nameAndTag) {
    const std::string store = dir_.file("podman-" + std::to_string(podmanPulls_));
    CommandResult inspected;
    EXPECT_TRUE(runs({podman_, "--events-backend", "none", "--storage-driver", "vfs", "--root",
                      store + "/root", "--runroot", store + "/run", "--tmpdir", store + "/libpod",
                      "image", "inspect", "--format", "{{.Digest}}", address_ + "/" + nameAndTag},
                     &inspected));
    std::string digest = inspected.out;
    while (!digest.empty() && digest.back() == '\n') digest.pop_back();
    return digest;
  }

  TempDir dir_;
  std::unique_ptr<BerthServer> server_;
  std::unique_ptr<HttpClient> client_;
  std::string skopeo_;
  std::string podman_;
  std::string address_;
  std::string registriesConf_;
  std::string acceptAnything_;
  int verifications_ = 0;
  int podmanPulls_ = 0;
};

TEST_F(SignatureInteropTest, SkopeoSignsIntoBerthAndBerthVerifies) {
  const KeyPair releaseKeys = makeKeys("release");
  const KeyPair otherKeys = makeKeys("other");
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(push("v1", "signed/app:v1", &releaseKeys));

  const std::string digest = manifestDigest("signed/app", "v1");
  EXPECT_EQ(digest, layoutManifestDigest("v1"));  // what skopeo signed is what Berth serves
  const auto signatures = fetchSignatures("signed/app", digest);
  ASSERT_EQ(signatures.size(), 1u);
  const SignatureLayer& layer = signatures[0].layer;
  const std::string& payload = signatures[0].payload;
  const std::vector<PublicKey> release = {loadKey(releaseKeys, "release.pub")};
  const std::vector<PublicKey> other = {loadKey(otherKeys, "other.pub")};
  const std::string repository = address_ + "/signed/app";

  const auto check = checkSignature(layer, payload, release, digest, repository);
  EXPECT_TRUE(check.verified) << check.reason << "\n" << payload;
  EXPECT_EQ(check.key, "release.pub");
  // containers/image signs the destination's name with its tag (cosign writes the repository).
  EXPECT_EQ(check.dockerReference, address_ + "/signed/app:v1") << payload;

  // Another key: its signature is not there.
  const auto stranger = checkSignature(layer, payload, other, digest, repository);
  EXPECT_FALSE(stranger.verified);
  EXPECT_EQ(stranger.reason, "not signed by any of the keys (other.pub)");

  // The real signature, presented for another image.
  const std::string elsewhere = sha256Of("another manifest");
  const auto moved = checkSignature(layer, payload, release, elsewhere, repository);
  EXPECT_FALSE(moved.verified);
  EXPECT_EQ(moved.reason, "it signs " + digest + ", not " + elsewhere);

  // One byte of the payload changed ("signed/app" -> "signed/apq"): the bytes no longer match
  // the layer, and a layer rewritten to describe them carries a signature that does not verify.
  std::string tampered = payload;
  const size_t name = tampered.find("/signed/app");
  ASSERT_NE(name, std::string::npos) << payload;
  tampered[name + 10] = 'q';
  const auto mismatched = checkSignature(layer, tampered, release, digest, repository);
  EXPECT_FALSE(mismatched.verified);
  EXPECT_EQ(mismatched.reason,
            "the payload does not match the layer's digest " + layer.payloadDigest);
  SignatureLayer rewritten = layer;
  rewritten.payloadDigest = sha256Of(tampered);
  const auto forged = checkSignature(rewritten, tampered, release, digest, repository);
  EXPECT_FALSE(forged.verified);
  EXPECT_EQ(forged.reason, "not signed by any of the keys (release.pub)");

  // Signed for signed/app, required for another repository.
  const auto misnamed = checkSignature(layer, payload, release, digest, address_ + "/signed/other");
  EXPECT_FALSE(misnamed.verified);
  EXPECT_EQ(misnamed.reason, "it was signed for " + address_ + "/signed/app:v1, not for " +
                                 address_ + "/signed/other");

  // The product's own path: a verify-signature rule (matchRepository on) checked by
  // `berth policy test --registry` against this registry, as the validating webhook does.
  dir_.write("policy/signed.yaml",
             "apiVersion: berth.dev/v1\nkind: ImagePolicy\nmetadata: {name: interop}\nspec:\n"
             "  rules:\n    - {name: skopeo-signed, match: {images: ['.*/signed/.*']}, action: "
             "verify-signature, matchRepository: true, keys: [{file: " +
                 releaseKeys.publicKey + "}]}\n");
  CommandResult judged;
  ASSERT_TRUE(runs({berthBinary(), "policy", "test", "--policy", dir_.file("policy"),
                    "--rewrite-target", address_, "--registry", "http://" + address_, "--output",
                    "json", "--image", address_ + "/signed/app:v1"},
                   &judged));
  const auto decision = json::parse(judged.out);
  const auto& gate = decision.at("signatureChecks").at(0);
  EXPECT_EQ(gate.at("outcome"), "satisfied") << judged.out;
  EXPECT_EQ(gate.at("image"), address_ + "/signed/app:v1@" + digest);
  EXPECT_EQ(gate.at("signatures").at(0).at("dockerReference"), address_ + "/signed/app:v1");
}

// The verifiers agree: Berth's, containers/image's policy engine run by skopeo (copying from
// Berth), and podman pulling from Berth, each under the same sigstoreSigned requirement. The
// signed image is accepted by all three (skopeo and podman take the very digest Berth
// verified); another key, no signature, a genuine signature planted beside another image and one
// planted in another repository are refused by all three.
TEST_F(SignatureInteropTest, SkopeoAndPodmanVerifyWhatBerthVerifies) {
  const KeyPair releaseKeys = makeKeys("release");
  const KeyPair otherKeys = makeKeys("other");
  ASSERT_FALSE(HasFailure());
  const std::string trusting = writePolicy("policy-release.json", releaseKeys);
  const std::string distrusting = writePolicy("policy-other.json", otherKeys);
  // skopeo and podman, told to take ADDR/<nameAndTag> under `policy`, both refuse it, saying
  // each of `messages` (skopeo logs them as logfmt's msg="...", podman as "Error: ...").
  auto bothRefuse = [&](const std::string& policy, const std::string& nameAndTag,
                        const std::vector<std::string>& messages) {
    for (const CommandResult& refused :
         {verify(policy, nameAndTag), podmanPull(policy, nameAndTag)}) {
      EXPECT_NE(refused.exitCode, 0) << refused.err;
      for (const std::string& message : messages) {
        EXPECT_NE(refused.err.find(message), std::string::npos) << refused.err;
      }
    }
  };

  ASSERT_TRUE(push("v1", "signed/app:v1", &releaseKeys));
  const std::string digest = manifestDigest("signed/app", "v1");
  const std::string repository = address_ + "/signed/app";
  const auto signatures = fetchSignatures("signed/app", digest);
  ASSERT_EQ(signatures.size(), 1u);
  const SignatureLayer& layer = signatures[0].layer;
  const std::string& payload = signatures[0].payload;
  const std::vector<PublicKey> release = {loadKey(releaseKeys, "release.pub")};
  const std::vector<PublicKey> other = {loadKey(otherKeys, "other.pub")};

  // The right key: all accept, and skopeo and podman took the very manifest Berth verified.
  const auto berthTrusting = checkSignature(layer, payload, release, digest, repository);
  EXPECT_TRUE(berthTrusting.verified) << berthTrusting.reason;
  const auto trusted = verify(trusting, "signed/app:v1");
  ASSERT_EQ(trusted.exitCode, 0) << trusted.out << trusted.err;
  const auto copied = json::parse(readFile(dir_.file("verified-1/index.json")));
  EXPECT_EQ(copied.at("manifests").at(0).at("digest"), digest) << copied.dump();
  const auto pulled = podmanPull(trusting, "signed/app:v1");
  ASSERT_EQ(pulled.exitCode, 0) << pulled.out << pulled.err;
  EXPECT_EQ(podmanPulledDigest("signed/app:v1"), digest);

  // The other key: all refuse.
  const auto berthDistrusting = checkSignature(layer, payload, other, digest, repository);
  EXPECT_FALSE(berthDistrusting.verified);
  EXPECT_EQ(berthDistrusting.reason, "not signed by any of the keys (other.pub)");
  bothRefuse(distrusting, "signed/app:v1",
             {"Source image rejected: cryptographic signature verification failed: invalid "
              "signature when validating ASN.1 encoded signature"});

  // An unsigned image under the policy's scope: refused for want of a signature (Berth answers
  // the signature tag with 404 MANIFEST_UNKNOWN, which containers/image reads as "none").
  ASSERT_TRUE(push("v2", "signed/unsigned:v1", nullptr));
  const std::string unsignedDigest = manifestDigest("signed/unsigned", "v1");
  EXPECT_EQ(signatureManifest("signed/unsigned", unsignedDigest).status, 404);
  bothRefuse(trusting, "signed/unsigned:v1",
             {"Source image rejected: A signature was required, but no signature exists"});

  // The attack: signed/app's signature manifest, with its blobs, copied byte for byte under the
  // signature tag of another image (signed/victim, pushed unsigned). The signature is genuine
  // and by the trusted key, but it signs signed/app's digest: all refuse it.
  ASSERT_TRUE(push("v2", "signed/victim:v1", nullptr));
  const std::string victimDigest = manifestDigest("signed/victim", "v1");
  ASSERT_NE(victimDigest, digest);
  ASSERT_TRUE(plantSignature("signed/app", digest, "signed/victim", victimDigest));
  const auto victimSignatures = fetchSignatures("signed/victim", victimDigest);
  ASSERT_EQ(victimSignatures.size(), 1u);
  EXPECT_EQ(victimSignatures[0].payload, payload);  // the very signature, now beside the victim

  const auto berthPlanted = checkSignature(victimSignatures[0].layer, victimSignatures[0].payload,
                                           release, victimDigest, address_ + "/signed/victim");
  EXPECT_FALSE(berthPlanted.verified);
  EXPECT_EQ(berthPlanted.reason, "it signs " + digest + ", not " + victimDigest);
  bothRefuse(trusting, "signed/victim:v1",
             {"Source image rejected: Signature for digest " + digest + " does not match"});

  // The same image pushed to signed/other and signed/app's signature copied beside it: now the
  // digest is right, but the signature names signed/app, and all, told to match the
  // repository, refuse it.
  ASSERT_TRUE(push("v1", "signed/other:v1", nullptr));
  ASSERT_EQ(manifestDigest("signed/other", "v1"), digest);
  ASSERT_TRUE(plantSignature("signed/app", digest, "signed/other", digest));
  const auto otherSignatures = fetchSignatures("signed/other", digest);
  ASSERT_EQ(otherSignatures.size(), 1u);
  const auto berthMisnamed = checkSignature(otherSignatures[0].layer, otherSignatures[0].payload,
                                            release, digest, address_ + "/signed/other");
  EXPECT_FALSE(berthMisnamed.verified);
  EXPECT_EQ(berthMisnamed.reason, "it was signed for " + address_ + "/signed/app:v1, not for " +
                                      address_ + "/signed/other");
  bothRefuse(trusting, "signed/other:v1",
             {"Source image rejected: Signature for identity", address_ + "/signed/app:v1",
              "is not accepted"});

  // Nothing refused was copied: skopeo opens the destination layout (an empty blobs/) before the
  // policy refuses the source, and writes no file into it.
  for (int i = 2; i <= verifications_; ++i) {
    const std::string out = dir_.file("verified-" + std::to_string(i));
    for (const auto& entry : std::filesystem::recursive_directory_iterator(out)) {
      EXPECT_TRUE(entry.is_directory())
          << "refused verification " << i << " wrote " << entry.path();
    }
  }
}

}  // namespace
}  // namespace berth::testing
