#include "policy/engine.h"

#include <gtest/gtest.h>

#include "policy/compiled_policy.h"
#include "policy/loader.h"

namespace berth::policy {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'c');

// The registry's pull-through upstreams: only images under the rewrite target that name one of
// these are judged as mirrored images.
LoadOptions mirrorOptions() {
  LoadOptions options;
  options.upstreams = {{"docker.io", ""}, {"ghcr.io", ""}, {"127.0.0.1:5001", ""}};
  return options;
}

PolicySnapshot compile(const std::string& yaml, LoadOptions options = mirrorOptions()) {
  auto loaded = loadPolicyText(yaml, "test.yaml", options);
  if (!loaded) {
    ADD_FAILURE() << loaded.error().message;
    return emptyPolicy(options);
  }
  return loaded.value();
}

// One policy document with the given spec body (indented under "spec:").
std::string policyDoc(const std::string& name, const std::string& spec) {
  return "apiVersion: berth.dev/v1\nkind: ImagePolicy\nmetadata: {name: " + name + "}\nspec:\n" +
         spec + "\n---\n";
}

Decision judge(const PolicySnapshot& policy, const std::string& image,
               const std::string& ns = "default", Operation op = Operation::Admit) {
  auto decision = evaluate(*policy, image, ns, op);
  EXPECT_TRUE(decision) << decision.error().message;
  return decision ? decision.value() : Decision{};
}

TEST(EngineTest, NoPolicyAllowsEverythingUnchanged) {
  auto policy = emptyPolicy(LoadOptions{});
  const Decision d = judge(policy, "nginx");
  EXPECT_EQ(d.verdict, Verdict::Allow);
  EXPECT_EQ(d.image, "docker.io/library/nginx:latest");
  EXPECT_FALSE(d.rewritten);
  EXPECT_FALSE(d.rule);
  EXPECT_FALSE(d.pin);
  EXPECT_FALSE(d.immutable);
}

TEST(EngineTest, InvalidReferenceIsAnError) {
  auto policy = emptyPolicy(LoadOptions{});
  auto d = evaluate(*policy, "Bad/Name", "default", Operation::Admit);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("lowercase"), std::string::npos);
}

TEST(EngineTest, DenyCarriesRuleAndMessage) {
  auto policy = compile(policyDoc("p", R"(  rules:
    - {name: no-evil, match: {images: ['evil\.io/.*']}, action: deny, message: evil is banned})"));
  const Decision d = judge(policy, "evil.io/x:1");
  EXPECT_EQ(d.verdict, Verdict::Deny);
  EXPECT_EQ(d.rule, "no-evil");
  EXPECT_EQ(d.policy, "p");
  EXPECT_EQ(d.reason, "evil is banned");
  EXPECT_EQ(judge(policy, "good.io/x:1").verdict, Verdict::Allow);
}

TEST(EngineTest, PatternsAreAnchoredAtBothEnds) {
  auto policy = compile(policyDoc("p", R"(  rules:
    - {name: r, match: {images: ['evil\.io/x']}, action: deny, message: m})"));
  // Matches only the full normalised reference, never a substring.
  EXPECT_EQ(judge(policy, "evil.io/x:1").verdict, Verdict::Allow);
  EXPECT_EQ(judge(policy, "notevil.io/x:1").verdict, Verdict::Allow);
  auto prefix = compile(policyDoc("p", R"(  rules:
    - {name: r, match: {images: ['evil\.io/x:.*']}, action: deny, message: m})"));
  EXPECT_EQ(judge(prefix, "evil.io/x:1").verdict, Verdict::Deny);
  EXPECT_EQ(judge(prefix, "a.evil.io/x:1").verdict, Verdict::Allow);
}

TEST(EngineTest, RewriteToDefaultAndExplicitTarget) {
  auto policy = compile(policyDoc("mirror", R"(  rules:
    - {name: hub, match: {images: ['docker\.io/.*']}, action: rewrite}
    - {name: quay, match: {images: ['quay\.io/.*']}, action: rewrite, target: mirror.corp:8443/cache})"),
                        LoadOptions{"localhost:5005"});
  Decision d = judge(policy, "nginx:1.25");
  EXPECT_EQ(d.verdict, Verdict::Rewrite);
  EXPECT_EQ(d.rewritten, "localhost:5005/docker.io/library/nginx:1.25");
  EXPECT_EQ(d.rule, "hub");
  d = judge(policy, "quay.io/org/app@" + kDigest);
  EXPECT_EQ(d.rewritten, "mirror.corp:8443/cache/quay.io/org/app@" + kDigest);
  d = judge(policy, "ghcr.io/a/b:1");
  EXPECT_EQ(d.verdict, Verdict::Allow);
}

TEST(EngineTest, RewriteIsIdempotent) {
  auto policy = compile(policyDoc("mirror", R"(  rules:
    - {name: hub, match: {images: ['docker\.io/.*']}, action: rewrite})"));
  const Decision first = judge(policy, "nginx:1.25");
  ASSERT_TRUE(first.rewritten);
  const Decision second = judge(policy, *first.rewritten);
  EXPECT_EQ(second.verdict, Verdict::Allow);
  EXPECT_FALSE(second.rewritten);
  EXPECT_EQ(second.rule, "hub");
}

TEST(EngineTest, UpstreamWithPortIsEncodedAndDecoded) {
  auto policy = compile(policyDoc("mirror", R"(  rules:
    - {name: local, match: {images: ['127\.0\.0\.1:5001/.*']}, action: rewrite})"));
  const Decision d = judge(policy, "127.0.0.1:5001/team/app:2");
  ASSERT_TRUE(d.rewritten);
  EXPECT_EQ(*d.rewritten, "localhost:5005/127.0.0.1_5001/team/app:2");
  EXPECT_TRUE(oci::parseImageReference(*d.rewritten));
  const Decision again = judge(policy, *d.rewritten);
  EXPECT_EQ(again.verdict, Verdict::Allow);
  EXPECT_FALSE(again.rewritten);
}

TEST(EngineTest, MirroredImagesAreJudgedAsTheirUpstream) {
  auto policy = compile(policyDoc("mirror", R"(  rules:
    - {name: hub, match: {images: ['docker\.io/.*']}, action: rewrite})") +
                        policyDoc("no-latest", R"(  rules:
    - {name: latest, match: {images: ['.*:latest']}, action: deny, message: no latest})"));
  const Decision d = judge(policy, "localhost:5005/docker.io/library/nginx:latest");
  EXPECT_EQ(d.verdict, Verdict::Deny);
  EXPECT_EQ(d.rule, "latest");
  EXPECT_EQ(d.image, "localhost:5005/docker.io/library/nginx:latest");
}

TEST(EngineTest, RequireDigestDeniesTagsAndAcceptsDigests) {
  auto policy = compile(policyDoc("digests", R"(  rules:
    - {name: need-digest, action: require-digest})"));
  Decision d = judge(policy, "nginx:1.25");
  EXPECT_EQ(d.verdict, Verdict::Deny);
  EXPECT_EQ(d.rule, "need-digest");
  EXPECT_NE(d.reason.find("digest"), std::string::npos);
  d = judge(policy, "nginx@" + kDigest);
  EXPECT_EQ(d.verdict, Verdict::Allow);
  d = judge(policy, "nginx:1.25@" + kDigest);
  EXPECT_EQ(d.verdict, Verdict::Allow);
}

TEST(EngineTest, RequireDigestWithPinMarksForPinningAndContinues) {
  auto policy = compile(policyDoc("pinning", R"(  rules:
    - {name: pin-all, action: require-digest, pin: true, onPinFailure: allow}
    - {name: hub, match: {images: ['docker\.io/.*']}, action: rewrite})"));
  Decision d = judge(policy, "nginx:1.25");
  EXPECT_TRUE(d.pin);
  EXPECT_EQ(d.onPinFailure, PinFailure::Allow);
  EXPECT_EQ(d.verdict, Verdict::Rewrite);
  d = judge(policy, "ghcr.io/a/b:1");
  EXPECT_TRUE(d.pin);
  EXPECT_EQ(d.rule, "pin-all");
  EXPECT_EQ(d.onPinFailure, PinFailure::Allow);
  d = judge(policy, "ghcr.io/a/b@" + kDigest);
  EXPECT_FALSE(d.pin);
}

TEST(EngineTest, ImmutableTagsAreReportedForPush) {
  auto policy = compile(policyDoc("immutable", R"(  rules:
    - {name: releases, match: {images: ['[^/]+/release/.*']}, action: immutable-tags})"));
  auto d = evaluateForRegistry(*policy, "release/app", "1.0", Operation::Push);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_TRUE(d->immutable);
  EXPECT_EQ(d->immutableRule, "releases");
  EXPECT_EQ(d->image, "localhost:5005/release/app:1.0");
  d = evaluateForRegistry(*policy, "team/app", "1.0", Operation::Push);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->immutable);
  // A digest reference has no tag to protect.
  d = evaluateForRegistry(*policy, "release/app", kDigest, Operation::Push);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->immutable);
  EXPECT_FALSE(evaluateForRegistry(*policy, "Bad", "1", Operation::Push));
}

TEST(EngineTest, FirstDecisiveRuleInOrderWins) {
  auto policy = compile(policyDoc("ordered", R"(  rules:
    - {name: allow-team, match: {images: ['ghcr\.io/team/.*']}, action: allow}
    - {name: deny-ghcr, match: {images: ['ghcr\.io/.*']}, action: deny, message: no ghcr}
    - {name: allow-late, match: {images: ['ghcr\.io/other/.*']}, action: allow})"));
  EXPECT_EQ(judge(policy, "ghcr.io/team/app:1").rule, "allow-team");
  EXPECT_EQ(judge(policy, "ghcr.io/other/app:1").rule, "deny-ghcr");
}

TEST(EngineTest, EnforcedDenyInAnyPolicyWinsOverAllowAndRewriteInOthers) {
  auto policy = compile(policyDoc("a-mirror", R"(  rules:
    - {name: hub, match: {images: ['docker\.io/.*']}, action: rewrite})") +
                        policyDoc("b-allow", R"(  rules:
    - {name: everything, action: allow})") +
                        policyDoc("c-deny", R"(  rules:
    - {name: no-redis, match: {images: ['.*/redis:.*']}, action: deny, message: no redis})"));
  Decision d = judge(policy, "redis:7");
  EXPECT_EQ(d.verdict, Verdict::Deny);
  EXPECT_EQ(d.policy, "c-deny");
  d = judge(policy, "nginx:1");
  EXPECT_EQ(d.verdict, Verdict::Rewrite);
  EXPECT_EQ(d.policy, "a-mirror");
  d = judge(policy, "ghcr.io/a/b:1");
  EXPECT_EQ(d.verdict, Verdict::Allow);
  EXPECT_EQ(d.rule, "everything");
}

TEST(EngineTest, DefaultDenyWithMessage) {
  auto policy =
      compile(policyDoc("allowlist", R"(  default: {action: deny, message: only corp images}
  rules:
    - {name: corp, match: {images: ['corp\.io/.*']}, action: allow})"));
  Decision d = judge(policy, "nginx:1");
  EXPECT_EQ(d.verdict, Verdict::Deny);
  EXPECT_FALSE(d.rule);
  EXPECT_EQ(d.policy, "allowlist");
  EXPECT_EQ(d.reason, "only corp images");
  EXPECT_EQ(judge(policy, "corp.io/app:1").verdict, Verdict::Allow);
}

TEST(EngineTest, NamespaceScopeOfPolicyAndRule) {
  auto policy =
      compile(policyDoc("prod", R"(  namespaces: {include: ['prod-.*'], exclude: ['prod-sandbox']}
  default: {action: deny, message: prod is strict}
  rules:
    - {name: corp, match: {images: ['corp\.io/.*']}, action: allow})") +
              policyDoc("latest", R"(  rules:
    - name: no-latest
      match: {images: ['.*:latest'], namespaces: {exclude: ['dev-.*']}}
      action: deny
      message: no latest
    - name: only-in-ci
      match: {namespaces: ['ci']}
      action: deny
      message: ci runs nothing)"));
  EXPECT_EQ(judge(policy, "nginx:1", "prod-a").verdict, Verdict::Deny);
  EXPECT_EQ(judge(policy, "nginx:1", "prod-sandbox").verdict, Verdict::Allow);
  EXPECT_EQ(judge(policy, "nginx:1", "staging").verdict, Verdict::Allow);
  EXPECT_EQ(judge(policy, "corp.io/x:1", "prod-a").verdict, Verdict::Allow);
  EXPECT_EQ(judge(policy, "nginx", "staging").rule, "no-latest");
  EXPECT_EQ(judge(policy, "nginx", "dev-1").verdict, Verdict::Allow);
  EXPECT_EQ(judge(policy, "nginx:1", "ci").rule, "only-in-ci");
  // A namespace pattern is anchored too.
  EXPECT_EQ(judge(policy, "nginx:1", "ci-2").verdict, Verdict::Allow);
}

TEST(EngineTest, ExcludeWinsOverInclude) {
  auto policy = compile(policyDoc("p", R"(  rules:
    - name: deny-hub-but-library
      match: {images: {include: ['docker\.io/.*'], exclude: ['docker\.io/library/.*']}}
      action: deny
      message: no hub)"));
  EXPECT_EQ(judge(policy, "bitnami/redis:7").verdict, Verdict::Deny);
  EXPECT_EQ(judge(policy, "nginx:1").verdict, Verdict::Allow);
}

TEST(EngineTest, WarnModeAllowsWithWarningsAndAuditModeOnlyRecords) {
  auto policy = compile(policyDoc("warned", R"(  mode: warn
  rules:
    - {name: no-latest, match: {images: ['.*:latest']}, action: deny, message: avoid latest})") +
                        policyDoc("audited", R"(  mode: audit
  rules:
    - {name: need-digest, action: require-digest})") +
                        policyDoc("audited-mirror", R"(  mode: audit
  rules:
    - {name: hub, match: {images: ['docker\.io/.*']}, action: rewrite})"));
  const Decision d = judge(policy, "nginx");
  EXPECT_EQ(d.verdict, Verdict::Allow);
  EXPECT_FALSE(d.rewritten);
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_EQ(d.warnings[0].rule, "no-latest");
  EXPECT_EQ(d.warnings[0].message, "avoid latest");
  EXPECT_EQ(d.warnings[0].mode, Mode::Warn);
  ASSERT_EQ(d.audits.size(), 2u);
  EXPECT_EQ(d.audits[0].rule, "need-digest");
  EXPECT_EQ(d.audits[1].message, "would rewrite to localhost:5005/docker.io/library/nginx:latest");
  const Decision clean = judge(policy, "ghcr.io/a/b@" + kDigest);
  EXPECT_TRUE(clean.warnings.empty());
  EXPECT_TRUE(clean.audits.empty());
}

TEST(EngineTest, OperationsRestrictWhereRulesApply) {
  auto policy = compile(policyDoc("ops", R"(  rules:
    - {name: admit-only, match: {images: ['.*/a:.*']}, action: deny, message: a}
    - {name: push-too, match: {images: ['.*/b:.*']}, action: deny, message: b, operations: [admit, push]}
    - {name: hub, match: {images: ['.*/c:.*']}, action: rewrite, operations: [admit, pull]})"));
  EXPECT_EQ(judge(policy, "x.io/a:1", "ns", Operation::Push).verdict, Verdict::Allow);
  EXPECT_EQ(judge(policy, "x.io/b:1", "ns", Operation::Push).verdict, Verdict::Deny);
  EXPECT_EQ(judge(policy, "x.io/b:1", "ns", Operation::Pull).verdict, Verdict::Allow);
  // A rewrite rule allows the mirrored image at pull time; it never rewrites there.
  const Decision pull = judge(policy, "x.io/c:1", "ns", Operation::Pull);
  EXPECT_EQ(pull.verdict, Verdict::Allow);
  EXPECT_FALSE(pull.rewritten);
}

TEST(EngineTest, ThousandsOfRulesUseTheIndexAndKeepOrder) {
  std::string rules = "  rules:\n";
  for (int i = 0; i < 2000; ++i) {
    rules += "    - {name: r" + std::to_string(i) + ", match: {images: ['team" + std::to_string(i) +
             "\\.io/.*']}, action: " + (i % 2 ? "deny, message: m" : "allow") + "}\n";
  }
  rules += "    - {name: catch-all, action: deny, message: last}\n";
  auto policy = compile(policyDoc("big", rules));
  EXPECT_EQ(judge(policy, "team1500.io/a:1").rule, "r1500");
  EXPECT_EQ(judge(policy, "team1501.io/a:1").verdict, Verdict::Deny);
  EXPECT_EQ(judge(policy, "other.io/a:1").rule, "catch-all");
}

TEST(EngineTest, CatastrophicPatternsRunInLinearTime) {
  // (a+)+$ is exponential for backtracking engines; RE2 is linear, so this returns at once.
  auto policy = compile(policyDoc("evil", R"(  rules:
    - {name: evil, match: {images: ['(a+)+b']}, action: deny, message: m})"));
  const std::string image = "r.io/" + std::string(200, 'a') + ":1";
  EXPECT_EQ(judge(policy, image).verdict, Verdict::Allow);
}

}  // namespace
}  // namespace berth::policy

namespace berth::policy {
namespace {

// Attacks on the name an image is judged by (issue #15, items 2 and 3).
const std::string kTeamAllowList = R"(  default: {action: deny, message: only team-a}
  rules:
    - {name: team-a, match: {images: ['registry\.example\.com/team-a/.*']}, action: allow})";

TEST(EngineNameAttackTest, AHostShapedNameUnderTheTargetIsNotLaunderedAsThatHost) {
  auto policy = compile(policyDoc("allow", kTeamAllowList));
  EXPECT_EQ(judge(policy, "registry.example.com/team-a/app:1").verdict, Verdict::Allow);
  EXPECT_EQ(judge(policy, "localhost:5005/team-a/app:1").verdict, Verdict::Deny);
  // registry.example.com is not an upstream: this is Berth's own repository
  // "registry.example.com/team-a/app", which a pusher could have filled.
  const Decision laundered = judge(policy, "localhost:5005/registry.example.com/team-a/app:1");
  EXPECT_EQ(laundered.verdict, Verdict::Deny);
  EXPECT_EQ(laundered.reason, "only team-a");
}

TEST(EngineNameAttackTest, OnlyAConfiguredUpstreamOrItsAliasIsUnwrapped) {
  LoadOptions options = mirrorOptions();
  options.upstreams.push_back({"registry.example.com", "corp"});
  auto policy = compile(policyDoc("allow", kTeamAllowList), options);
  EXPECT_EQ(judge(policy, "localhost:5005/registry.example.com/team-a/app:1").verdict,
            Verdict::Allow);
  EXPECT_EQ(judge(policy, "localhost:5005/corp/team-a/app:1").verdict, Verdict::Allow);
  // A port-encoded host that is not configured stays a local name.
  EXPECT_EQ(judge(policy, "localhost:5005/registry.example.com_443/team-a/app:1").verdict,
            Verdict::Deny);
  EXPECT_EQ(judge(policy, "localhost:5005/127.0.0.1_5002/team-a/app:1").verdict, Verdict::Deny);
}

TEST(EngineNameAttackTest, OddlySpelledHostsMeetTheRulesForTheirCanonicalName) {
  auto policy = compile(policyDoc("deny", R"(  rules:
    - {name: no-evil, match: {images: ['ghcr\.io/evil/.*']}, action: deny, message: banned}
    - {name: hub, match: {images: ['docker\.io/.*']}, action: rewrite})"));
  for (const std::string image : {"ghcr.io/evil/miner:1", "GHCR.IO/evil/miner:1",
                                  "ghcr.io:443/evil/miner:1", "Ghcr.Io:443/evil/miner:1"}) {
    const Decision d = judge(policy, image);
    EXPECT_EQ(d.verdict, Verdict::Deny) << image;
    EXPECT_EQ(d.image, "ghcr.io/evil/miner:1") << image;
  }
  for (const std::string image :
       {"index.docker.io/library/nginx:1", "registry-1.docker.io/library/nginx:1",
        "DOCKER.IO:443/nginx:1"}) {
    const Decision d = judge(policy, image);
    EXPECT_EQ(d.verdict, Verdict::Rewrite) << image;
    EXPECT_EQ(d.rewritten, "localhost:5005/docker.io/library/nginx:1") << image;
  }
}

TEST(EngineNameAttackTest, AReferenceThatCannotBeNormalisedIsAnErrorWithAReason) {
  auto policy = compile(policyDoc("deny", R"(  rules:
    - {name: everything, action: allow})"));
  for (const std::string image : {"ghcr.io./evil/miner:1", "ghcr.io/Evil/miner:1", "ghcr.io//x"}) {
    auto d = evaluate(*policy, image, "default", Operation::Admit);
    ASSERT_FALSE(d) << image;
    EXPECT_NE(d.error().message.find("invalid image reference"), std::string::npos) << image;
  }
}

TEST(EngineRegistryTest, PushAndPullRulesDecideAtTheRegistry) {
  auto policy = compile(policyDoc("registry", R"(  rules:
    - {name: frozen, match: {images: ['localhost:5005/frozen/.*']}, operations: [push],
       action: deny, message: frozen is read-only}
    - {name: secret, match: {images: ['localhost:5005/secret/.*']}, operations: [pull],
       action: deny, message: not for pulling})"));
  auto push = evaluateForRegistry(*policy, "frozen/app", "1", Operation::Push);
  ASSERT_TRUE(push);
  EXPECT_EQ(push->verdict, Verdict::Deny);
  EXPECT_EQ(push->reason, "frozen is read-only");
  auto pull = evaluateForRegistry(*policy, "frozen/app", "1", Operation::Pull);
  ASSERT_TRUE(pull);
  EXPECT_EQ(pull->verdict, Verdict::Allow);
  auto secret = evaluateForRegistry(*policy, "secret/app", kDigest, Operation::Pull);
  ASSERT_TRUE(secret);
  EXPECT_EQ(secret->verdict, Verdict::Deny);
}

TEST(EngineRegistryTest, ADocumentDefaultIsForPodsNotForTheRegistry) {
  auto policy = compile(policyDoc("allow", kTeamAllowList));
  auto pull = evaluateForRegistry(*policy, "other/app", "1", Operation::Pull);
  ASSERT_TRUE(pull);
  EXPECT_EQ(pull->verdict, Verdict::Allow);
  auto push = evaluateForRegistry(*policy, "other/app", "1", Operation::Push);
  ASSERT_TRUE(push);
  EXPECT_EQ(push->verdict, Verdict::Allow);
  EXPECT_EQ(judge(policy, "localhost:5005/other/app:1").verdict, Verdict::Deny);
}

}  // namespace
}  // namespace berth::policy
