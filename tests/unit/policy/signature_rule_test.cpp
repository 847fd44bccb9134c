// verify-signature rules: how they load (keys inline or from files, every mistake reported with
// its position) and what the engine records for the webhooks and the registry to check.
#include <gtest/gtest.h>

#include "policy/compiled_policy.h"
#include "policy/engine.h"
#include "policy/loader.h"
#include "tests/support/temp_dir.h"

namespace berth::policy {
namespace {

using berth::testing::readFile;
using berth::testing::sourcePath;
using berth::testing::TempDir;

const std::string kDigest = "sha256:" + std::string(64, 'c');

std::string keyFile(const std::string& name) {
  return sourcePath("tests/fixtures/policy/keys/" + name);
}

// A policy file in `dir` whose only rule is `rule` (flow-style YAML), after a `mirror` rule.
std::string policyWith(const std::string& rule) {
  return "apiVersion: berth.dev/v1\nkind: ImagePolicy\nmetadata: {name: signed}\nspec:\n"
         "  rules:\n" +
         rule + "\n";
}

common::Result<PolicySnapshot> load(const TempDir& dir, const std::string& text) {
  LoadOptions options;
  options.upstreams = {{"docker.io", ""}};
  return loadPolicyPath(dir.write("policy.yaml", text), options);
}

void expectError(const common::Result<PolicySnapshot>& loaded, const std::string& part) {
  ASSERT_FALSE(loaded) << "loaded, expected: " << part;
  EXPECT_NE(loaded.error().message.find(part), std::string::npos)
      << "missing '" << part << "' in:\n"
      << loaded.error().message;
}

class SignatureRuleTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(SignatureRuleTest, KeysLoadInlineAndFromFilesRelativeToThePolicy) {
  dir_.write("keys/qa.pub", readFile(keyFile("qa-rsa.pub")));
  std::string pem = readFile(keyFile("release.pub"));
  std::string indented;
  for (size_t at = 0, next; at < pem.size(); at = next + 1) {
    next = pem.find('\n', at);
    indented += "            " + pem.substr(at, next - at) + "\n";
  }
  auto loaded = load(dir_, policyWith(R"(    - name: release
      match: {images: ['localhost:5005/release/.*']}
      action: verify-signature
      keys:
        - name: release
          pem: |
)" + indented + R"(        - file: keys/qa.pub
      minimum: 2
      matchRepository: true
      onUnverifiable: allow
      operations: [admit])"));
  ASSERT_TRUE(loaded) << loaded.error().message;
  const CompiledRule& rule = (*loaded)->documents.at(0).rules.at(0);
  ASSERT_TRUE(rule.signatures);
  ASSERT_EQ(rule.signatures->keys.size(), 2u);
  EXPECT_EQ(rule.signatures->keys[0].name(), "release");
  EXPECT_EQ(rule.signatures->keys[0].kind(), "ecdsa-p256");
  EXPECT_EQ(rule.signatures->keys[1].name(), dir_.file("keys/qa.pub"));
  EXPECT_EQ(rule.signatures->keys[1].kind(), "rsa-2048");
  EXPECT_EQ(rule.signatures->minimum, 2u);
  EXPECT_TRUE(rule.signatures->matchRepository);
  EXPECT_TRUE(rule.allowUnverifiable);
}

TEST_F(SignatureRuleTest, EveryMistakeIsReportedWithItsPosition) {
  const std::string file = dir_.file("policy.yaml");
  expectError(load(dir_, policyWith("    - {name: r, action: verify-signature}")),
              ":6:7: policy 'signed' rule 'r': missing required field 'keys'");
  expectError(load(dir_, policyWith("    - {name: r, action: verify-signature, keys: []}")),
              "'keys' must be a non-empty list");
  expectError(
      load(dir_, policyWith("    - {name: r, action: verify-signature, keys: [{file: nope.pub}]}")),
      "cannot read key file " + dir_.file("nope.pub"));
  expectError(load(dir_, policyWith("    - {name: r, action: verify-signature, keys: [{file: " +
                                    keyFile("p384-unsupported.pub") + "}]}")),
              "ECDSA keys must be on P-256");
  expectError(load(dir_, policyWith("    - {name: r, action: verify-signature, keys: [{pem: "
                                    "'not a key'}]}")),
              "public key key 1: not a PEM PUBLIC KEY block");
  expectError(load(dir_, policyWith("    - {name: r, action: verify-signature, keys: [{pem: x, "
                                    "file: y}]}")),
              "exactly one of 'pem' (the PEM text) or 'file'");
  expectError(load(dir_, policyWith("    - {name: r, action: verify-signature, keys: [{file: " +
                                    keyFile("release.pub") + "}], minimum: 2}")),
              "'minimum' is 2 but only 1 keys are listed: no image could pass");
  expectError(load(dir_, policyWith("    - {name: r, action: verify-signature, keys: [{file: " +
                                    keyFile("release.pub") + "}], operations: [push]}")),
              "verify-signature applies to admit and pull, not push");
  expectError(load(dir_, policyWith("    - {name: r, action: verify-signature, keys: [{file: " +
                                    keyFile("release.pub") + "}], onUnverifiable: maybe}")),
              "'onUnverifiable' must be allow or deny");
  expectError(load(dir_, policyWith("    - {name: r, action: allow, keys: [{file: " +
                                    keyFile("release.pub") + "}]}")),
              "'keys' applies only to action verify-signature");
  expectError(load(dir_, policyWith("    - {name: r, action: verify-signature, keys: [{file: " +
                                    keyFile("release.pub") + ", color: red}]}")),
              "policy 'signed' rule 'r' key 1: unknown key 'color'");
  (void)file;
}

class SignatureGateTest : public SignatureRuleTest {
 protected:
  PolicySnapshot compile(const std::string& rules, const std::string& mode = "enforce") {
    auto loaded = load(dir_,
                       "apiVersion: berth.dev/v1\nkind: ImagePolicy\nmetadata: {name: "
                       "signed}\nspec:\n  mode: " +
                           mode + "\n  rules:\n" + rules + "\n");
    EXPECT_TRUE(loaded) << loaded.error().message;
    return loaded ? *loaded : emptyPolicy(LoadOptions{});
  }
  Decision judge(const PolicySnapshot& policy, const std::string& image,
                 Operation op = Operation::Admit) {
    auto decision = evaluate(*policy, image, "default", op);
    EXPECT_TRUE(decision) << decision.error().message;
    return decision ? *decision : Decision{};
  }
  const std::string release_ = "keys: [{file: " + keyFile("release.pub") + "}]";
};

TEST_F(SignatureGateTest, AMatchingGateIsRecordedAndPinsTheTag) {
  auto policy = compile(
      "    - {name: signed, match: {images: ['docker\\.io/team/.*']}, action: "
      "verify-signature, " +
      release_ + "}");
  Decision d = judge(policy, "docker.io/team/app:1.0");
  EXPECT_EQ(d.verdict, Verdict::Allow);
  ASSERT_EQ(d.signatureGates.size(), 1u);
  EXPECT_EQ(d.signatureGates[0].rule, "signed");
  EXPECT_EQ(d.signatureGates[0].policy, "signed");
  EXPECT_EQ(d.signatureGates[0].mode, Mode::Enforce);
  EXPECT_FALSE(d.signatureGates[0].allowUnverifiable);
  EXPECT_EQ(d.rule, "signed");
  EXPECT_EQ(d.reason, "allowed if its signatures verify");
  // A digest is what a signature signs: the tag is pinned first, and a failed pin denies.
  EXPECT_TRUE(d.pin);
  EXPECT_EQ(d.onPinFailure, PinFailure::Deny);
  EXPECT_EQ(d.judgedImage, "docker.io/team/app:1.0");

  d = judge(policy, "docker.io/team/app@" + kDigest);
  EXPECT_FALSE(d.pin);
  EXPECT_EQ(d.signatureGates.size(), 1u);
  EXPECT_TRUE(judge(policy, "docker.io/other/app:1.0").signatureGates.empty());
}

TEST_F(SignatureGateTest, AMirroredImageIsJudgedAsItsUpstreamForTheSignedName) {
  auto policy = compile(
      "    - {name: signed, match: {images: ['docker\\.io/team/.*']}, action: "
      "verify-signature, " +
      release_ + "}");
  const Decision d = judge(policy, "localhost:5005/docker.io/team/app@" + kDigest);
  EXPECT_EQ(d.signatureGates.size(), 1u);
  EXPECT_EQ(d.judgedImage, "docker.io/team/app@" + kDigest);
}

TEST_F(SignatureGateTest, ADenyLeavesNothingToVerifyAndAGateDoesNotStopAtAllow) {
  auto policy = compile("    - {name: signed, action: verify-signature, " + release_ +
                        "}\n    - {name: no-latest, match: {images: ['.*:latest']}, action: "
                        "deny, message: pin a version}\n    - {name: ok, action: allow}");
  Decision d = judge(policy, "docker.io/team/app:latest");
  EXPECT_EQ(d.verdict, Verdict::Deny);
  EXPECT_TRUE(d.signatureGates.empty());
  EXPECT_FALSE(d.pin);
  d = judge(policy, "docker.io/team/app:1.0");
  EXPECT_EQ(d.verdict, Verdict::Allow);
  EXPECT_EQ(d.rule, "ok");
  EXPECT_EQ(d.signatureGates.size(), 1u);
  EXPECT_TRUE(d.pin);
}

TEST_F(SignatureGateTest, OnUnverifiableAllowLetsAFailedPinThrough) {
  auto policy = compile("    - {name: signed, action: verify-signature, onUnverifiable: allow, " +
                        release_ + "}");
  const Decision d = judge(policy, "docker.io/team/app:1.0");
  EXPECT_TRUE(d.pin);
  EXPECT_EQ(d.onPinFailure, PinFailure::Allow);
  EXPECT_TRUE(d.signatureGates[0].allowUnverifiable);
}

TEST_F(SignatureGateTest, AWarnModeGateIsRecordedButPinsNothing) {
  auto policy = compile("    - {name: signed, action: verify-signature, " + release_ + "}", "warn");
  const Decision d = judge(policy, "docker.io/team/app:1.0");
  ASSERT_EQ(d.signatureGates.size(), 1u);
  EXPECT_EQ(d.signatureGates[0].mode, Mode::Warn);
  EXPECT_FALSE(d.pin);
  EXPECT_EQ(d.verdict, Verdict::Allow);
}

TEST_F(SignatureGateTest, GatesApplyToTheOperationsTheyName) {
  auto policy = compile("    - {name: signed, action: verify-signature, operations: [pull], " +
                        release_ + "}");
  EXPECT_TRUE(judge(policy, "docker.io/team/app:1.0").signatureGates.empty());
  auto pulled = evaluateForRegistry(*policy, "release/app", kDigest, Operation::Pull);
  ASSERT_TRUE(pulled) << pulled.error().message;
  ASSERT_EQ(pulled->signatureGates.size(), 1u);
  EXPECT_FALSE(pulled->pin);  // pinning is the webhook's, for admission
  EXPECT_EQ(pulled->judgedImage, "localhost:5005/release/app@" + kDigest);
}

}  // namespace
}  // namespace berth::policy
