// Every example policy loads, alone and together, and does what its comment promises.
#include <gtest/gtest.h>

#include <filesystem>

#include "policy/compiled_policy.h"
#include "policy/engine.h"
#include "policy/loader.h"
#include "tests/support/temp_dir.h"

namespace berth::policy {
namespace {

const std::string kExamples = testing::sourcePath("examples/policies");
const std::string kDigest = "sha256:" + std::string(64, 'd');

// The chart's default pull-through upstreams: the mirror policy's three registries.
LoadOptions chartOptions() {
  LoadOptions options;
  options.upstreams = {{"docker.io", ""}, {"ghcr.io", ""}, {"quay.io", ""}};
  return options;
}

PolicySnapshot load(const std::string& path) {
  auto loaded = loadPolicyPath(path, chartOptions());
  if (!loaded) {
    ADD_FAILURE() << loaded.error().message;
    return emptyPolicy(LoadOptions{});
  }
  return loaded.value();
}

Decision judge(const PolicySnapshot& p, const std::string& image, const std::string& ns) {
  auto d = evaluate(*p, image, ns, Operation::Admit);
  EXPECT_TRUE(d) << image;
  return d ? d.value() : Decision{};
}

TEST(ExamplePoliciesTest, EveryFileLoadsOnItsOwn) {
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kExamples)) {
    if (entry.is_directory()) continue;  // keys/
    auto loaded = loadPolicyPath(entry.path().string(), LoadOptions{});
    EXPECT_TRUE(loaded) << entry.path() << ": " << loaded.error().message;
    ++files;
  }
  EXPECT_GE(files, 6u);
}

TEST(ExamplePoliciesTest, MirrorPublicRegistries) {
  auto p = load(kExamples + "/10-mirror-public-registries.yaml");
  EXPECT_EQ(judge(p, "nginx:1.25", "web").rewritten, "localhost:5005/docker.io/library/nginx:1.25");
  EXPECT_EQ(judge(p, "ghcr.io/org/app:1", "web").rewritten, "localhost:5005/ghcr.io/org/app:1");
  EXPECT_EQ(judge(p, "quay.io/org/app:1", "web").rewritten, "localhost:5005/quay.io/org/app:1");
  EXPECT_FALSE(judge(p, "registry.k8s.io/pause:3.9", "web").rewritten);
  EXPECT_FALSE(judge(p, "nginx:1.25", "kube-system").rewritten);
}

TEST(ExamplePoliciesTest, NoLatestOutsideDev) {
  auto p = load(kExamples + "/20-no-latest-outside-dev.yaml");
  EXPECT_EQ(judge(p, "nginx", "web").verdict, Verdict::Deny);
  EXPECT_EQ(judge(p, "nginx:latest", "web").verdict, Verdict::Deny);
  EXPECT_EQ(judge(p, "nginx:latest", "dev-alice").verdict, Verdict::Allow);
  EXPECT_EQ(judge(p, "nginx:1.25", "web").verdict, Verdict::Allow);
  EXPECT_EQ(judge(p, "nginx:latest@" + kDigest, "web").verdict, Verdict::Allow);
}

TEST(ExamplePoliciesTest, ProdAllowlist) {
  auto p = load(kExamples + "/30-prod-allowlist.yaml");
  EXPECT_EQ(judge(p, "registry.example.com/team-payments/api:3", "prod-eu").verdict,
            Verdict::Allow);
  const Decision denied = judge(p, "nginx:1.25", "prod-eu");
  EXPECT_EQ(denied.verdict, Verdict::Deny);
  EXPECT_NE(denied.reason.find("registry.example.com/team-*"), std::string::npos);
  EXPECT_EQ(judge(p, "registry.example.com/other/api:3", "prod-eu").verdict, Verdict::Deny);
  EXPECT_EQ(judge(p, "nginx:1.25", "staging").verdict, Verdict::Allow);
}

TEST(ExamplePoliciesTest, ImmutableReleaseTags) {
  auto p = load(kExamples + "/40-immutable-release-tags.yaml");
  auto d = evaluateForRegistry(*p, "release/app", "1.4.2", Operation::Push);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->immutable);
  d = evaluateForRegistry(*p, "team/release/app", "1.4.2", Operation::Push);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->immutable);
  d = evaluateForRegistry(*p, "team/app", "1.4.2", Operation::Push);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->immutable);
}

TEST(ExamplePoliciesTest, AuditRolloutChangesNoDecision) {
  auto p = load(kExamples + "/50-audit-rollout-require-digest.yaml");
  const Decision d = judge(p, "nginx:1.25", "web");
  EXPECT_EQ(d.verdict, Verdict::Allow);
  ASSERT_EQ(d.audits.size(), 1u);
  EXPECT_EQ(d.audits[0].rule, "require-digest-everywhere");
  EXPECT_TRUE(judge(p, "nginx:1.25", "dev-x").audits.empty());
  EXPECT_TRUE(judge(p, "nginx@" + kDigest, "web").audits.empty());
}

TEST(ExamplePoliciesTest, SignedImages) {
  auto p = load(kExamples + "/60-signed-images.yaml");
  const Decision d = judge(p, "localhost:5005/signed/app:1.0", "web");
  ASSERT_EQ(d.signatureGates.size(), 1u);
  EXPECT_EQ(d.signatureGates[0].requirement->keys.at(0).name(),
            kExamples + "/keys/example-release.pub");
  EXPECT_TRUE(d.pin);  // the digest that is verified is the one that runs
  EXPECT_TRUE(judge(p, "localhost:5005/release/app:1.0", "web").signatureGates.empty());
}

TEST(ExamplePoliciesTest, ScannedImages) {
  auto p = load(kExamples + "/70-scanned-images.yaml");
  const Decision d = judge(p, "localhost:5005/scanned/app:1.0", "web");
  ASSERT_EQ(d.vulnerabilityGates.size(), 1u);
  EXPECT_EQ(d.vulnerabilityGates[0].requirement->maxSeverity, supplychain::Severity::High);
  EXPECT_EQ(d.vulnerabilityGates[0].requirement->maxAgeSeconds, 7 * 86400);
  EXPECT_TRUE(d.vulnerabilityGates[0].requirement->requireReport);
  EXPECT_TRUE(d.pin);  // the digest whose reports are read is the one that runs
  EXPECT_TRUE(judge(p, "localhost:5005/signed/app:1.0", "web").vulnerabilityGates.empty());
}

TEST(ExamplePoliciesTest, AllTogether) {
  auto p = load(kExamples);
  EXPECT_EQ(p->documents.size(), 7u);
  // Mirrored and allowed in an ordinary namespace.
  EXPECT_EQ(judge(p, "nginx:1.25", "web").verdict, Verdict::Rewrite);
  // :latest denied even though it would be mirrored.
  EXPECT_EQ(judge(p, "nginx", "web").verdict, Verdict::Deny);
  EXPECT_EQ(judge(p, "nginx", "dev-bob").verdict, Verdict::Rewrite);
  // prod: only team images, mirrored or not.
  EXPECT_EQ(judge(p, "nginx:1.25", "prod-eu").verdict, Verdict::Deny);
  EXPECT_EQ(judge(p, "localhost:5005/docker.io/library/nginx:1.25", "prod-eu").verdict,
            Verdict::Deny);
  EXPECT_EQ(judge(p, "registry.example.com/team-a/api:3", "prod-eu").verdict, Verdict::Allow);
  // Attack: registry.example.com is no upstream, so this name is a repository of Berth's own
  // that anyone allowed to push could fill; it must not pass as the team's image.
  EXPECT_EQ(judge(p, "localhost:5005/registry.example.com/team-a/api:3", "prod-eu").verdict,
            Verdict::Deny);
}

}  // namespace
}  // namespace berth::policy
