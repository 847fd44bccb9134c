#include "admission/mutate.h"

#include <gtest/gtest.h>

#include "tests/unit/admission/fixtures.h"
#include "tests/unit/admission/policy_fixture.h"

namespace berth::admission {
namespace {

using test::FakeResolver;
using test::fixturePolicy;
using test::fixtureRequest;
using test::kDigestA;

class MutateTest : public ::testing::Test {
 protected:
  Review run(const AdmissionRequest& request, const policy::CompiledPolicy& p) {
    return mutate(
        request,
        MutateContext{p, resolver_, std::chrono::steady_clock::now() + std::chrono::seconds(5)});
  }
  Review run(const AdmissionRequest& request) { return run(request, *policy_); }

  // The object after applying the review's patch (RFC 6902, by nlohmann).
  static nlohmann::json patched(const AdmissionRequest& request, const Review& review) {
    if (review.response.patch.empty()) return request.object;
    return request.object.patch(nlohmann::json::parse(review.response.patch));
  }

  // Applies the patch, reviews the result again and expects no patch: the webhook's fixed point.
  void expectIdempotent(AdmissionRequest request, const Review& first) {
    request.object = patched(request, first);
    const Review second = run(request);
    EXPECT_TRUE(second.response.allowed);
    EXPECT_EQ(second.response.patch, "") << "second review patched again";
  }

  policy::PolicySnapshot policy_ = fixturePolicy("policy.yaml");
  FakeResolver resolver_;
};

TEST_F(MutateTest, RewritesDockerHubImagesAndRecordsOriginals) {
  const auto request = fixtureRequest("pod-create.json");
  const Review review = run(request);
  EXPECT_TRUE(review.response.allowed);
  EXPECT_EQ(review.result, "patched");
  EXPECT_EQ(review.rule, "mirror-docker-hub");
  const auto ops = nlohmann::json::parse(review.response.patch);
  ASSERT_EQ(ops.size(), 3u) << ops.dump();
  EXPECT_EQ(ops[0], nlohmann::json({{"op", "replace"},
                                    {"path", "/spec/containers/0/image"},
                                    {"value", "localhost:5005/docker.io/library/nginx:1.25"}}));
  EXPECT_EQ(ops[1]["path"], "/spec/initContainers/0/image");
  EXPECT_EQ(ops[1]["value"], "localhost:5005/docker.io/library/busybox:1.36");
  // The Pod has labels but no annotations: the whole map is added.
  EXPECT_EQ(ops[2]["op"], "add");
  EXPECT_EQ(ops[2]["path"], "/metadata/annotations");
  const auto result = patched(request, review);
  const auto originals = nlohmann::json::parse(
      result["metadata"]["annotations"][kOriginalImagesAnnotation].get<std::string>());
  EXPECT_EQ(originals,
            nlohmann::json({{"/spec/containers/0", "nginx:1.25"},
                            {"/spec/initContainers/0", "docker.io/library/busybox:1.36"}}));
  EXPECT_EQ(result["spec"]["containers"][1]["image"], "registry.example.com/team-a/agent:2.0");
  expectIdempotent(request, review);
}

TEST_F(MutateTest, ObjectAsTheValidatingWebhookSeesItIsNotPatchedAgain) {
  const Review review = run(fixtureRequest("pod-create-validating.json"));
  EXPECT_TRUE(review.response.allowed);
  EXPECT_EQ(review.response.patch, "");
  EXPECT_EQ(review.result, "allowed");
}

TEST_F(MutateTest, UpdateReplacesTheChangedImageAndMergesTheAnnotation) {
  const auto request = fixtureRequest("deployment-update-image.json");
  const Review review = run(request);
  const auto ops = nlohmann::json::parse(review.response.patch);
  ASSERT_EQ(ops.size(), 2u) << ops.dump();
  EXPECT_EQ(ops[0]["path"], "/spec/template/spec/containers/0/image");
  EXPECT_EQ(ops[0]["value"], "localhost:5005/docker.io/library/nginx:1.25");
  // Annotations exist: only our key is added, with "/" escaped.
  EXPECT_EQ(ops[1]["op"], "add");
  EXPECT_EQ(ops[1]["path"], "/metadata/annotations/berth.dev~1original-images");
  EXPECT_EQ(nlohmann::json::parse(ops[1]["value"].get<std::string>()),
            nlohmann::json({{"/spec/template/spec/containers/0", "nginx:1.25"}}));
  const auto result = patched(request, review);
  EXPECT_EQ(result["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3");
  expectIdempotent(request, review);
}

TEST_F(MutateTest, EachWorkloadKindIsPatchedAtItsTemplatePath) {
  const std::map<std::string, std::string> paths = {
      {"deployment-create.json", "/spec/template/spec/containers/0/image"},
      {"statefulset-create.json", "/spec/template/spec/containers/0/image"},
      {"daemonset-create.json", "/spec/template/spec/containers/0/image"},
      {"replicaset-create.json", "/spec/template/spec/containers/0/image"},
      {"replicationcontroller-create.json", "/spec/template/spec/containers/0/image"},
      {"job-create.json", "/spec/template/spec/containers/0/image"},
      {"cronjob-create.json", "/spec/jobTemplate/spec/template/spec/containers/0/image"}};
  for (const auto& [fixture, path] : paths) {
    const auto request = fixtureRequest(fixture);
    const Review review = run(request);
    ASSERT_FALSE(review.response.patch.empty()) << fixture;
    const auto ops = nlohmann::json::parse(review.response.patch);
    ASSERT_EQ(ops.size(), 2u) << fixture;
    EXPECT_EQ(ops[0]["path"], path) << fixture;
    EXPECT_EQ(ops[0]["value"], "localhost:5005/docker.io/library/redis:7.2") << fixture;
    expectIdempotent(request, review);
  }
}

TEST_F(MutateTest, EphemeralContainersArePatchedWithoutAnnotation) {
  const auto legacy = fixtureRequest("ephemeral-legacy.json");
  const Review a = run(legacy);
  EXPECT_EQ(nlohmann::json::parse(a.response.patch),
            nlohmann::json::parse(R"([{"op":"replace","path":"/ephemeralContainers/0/image",
              "value":"localhost:5005/docker.io/library/busybox:1.36"}])"));
  const auto pod = fixtureRequest("ephemeral-pod.json");
  const Review b = run(pod);
  EXPECT_EQ(nlohmann::json::parse(b.response.patch),
            nlohmann::json::parse(R"([{"op":"replace","path":"/spec/ephemeralContainers/0/image",
              "value":"localhost:5005/docker.io/library/busybox:1.36"}])"));
  ASSERT_EQ(b.images.size(), 2u);
  EXPECT_TRUE(b.images[0].unchanged);
}

TEST_F(MutateTest, LeavesDeniedImagesOtherKindsDeletesAndExcludedNamespacesAlone) {
  for (const char* fixture : {"pod-create-denied.json", "configmap-create.json", "pod-delete.json",
                              "pod-create-kube-system.json", "pod-update-labels.json"}) {
    const Review review = run(fixtureRequest(fixture));
    EXPECT_TRUE(review.response.allowed) << fixture;
    EXPECT_EQ(review.response.patch, "") << fixture;
    EXPECT_EQ(review.response.uid.substr(0, 8), "3b6c1e2a") << fixture;
  }
}

TEST_F(MutateTest, AddsMetadataWhenTheObjectHasNone) {
  auto request = fixtureRequest("pod-create.json");
  request.object.erase("metadata");
  const auto ops = nlohmann::json::parse(run(request).response.patch);
  EXPECT_EQ(ops.back()["path"], "/metadata");
  EXPECT_TRUE(ops.back()["value"]["annotations"].contains(kOriginalImagesAnnotation));
}

TEST_F(MutateTest, PinsToTheResolvedDigest) {
  resolver_.digests["quay.io/prometheus/node-exporter:v1.7.0"] = kDigestA;
  resolver_.digests["ghcr.io/example/tool:1.0"] = test::kDigestB;
  const auto request = fixtureRequest("pod-create-pin.json");
  const Review review = run(request);
  EXPECT_TRUE(review.response.allowed);
  const auto result = patched(request, review);
  EXPECT_EQ(result["spec"]["containers"][0]["image"],
            "quay.io/prometheus/node-exporter:v1.7.0@" + kDigestA);
  EXPECT_EQ(result["spec"]["containers"][1]["image"], "ghcr.io/example/tool:1.0@" + test::kDigestB);
  EXPECT_EQ(resolver_.asked, (std::vector<std::string>{"quay.io/prometheus/node-exporter:v1.7.0",
                                                       "ghcr.io/example/tool:1.0"}));
  expectIdempotent(request, review);
}

TEST_F(MutateTest, PinFailureDeniesUnderOnPinFailureDeny) {
  resolver_.digests["ghcr.io/example/tool:1.0"] = kDigestA;
  const Review review = run(fixtureRequest("pod-create-pin.json"));
  EXPECT_FALSE(review.response.allowed);
  EXPECT_EQ(review.response.code, 403);
  EXPECT_EQ(review.result, "denied");
  EXPECT_EQ(review.rule, "pin-quay");
  const std::string& m = review.response.message;
  EXPECT_NE(m.find("container \"exporter\""), std::string::npos) << m;
  EXPECT_NE(m.find("quay.io/prometheus/node-exporter:v1.7.0"), std::string::npos) << m;
  EXPECT_NE(m.find("rule \"pin-quay\""), std::string::npos) << m;
  EXPECT_NE(m.find("HTTP 404"), std::string::npos) << m;
  EXPECT_EQ(review.response.patch, "");
}

TEST_F(MutateTest, PinFailureAdmitsUnpinnedWithAWarningUnderOnPinFailureAllow) {
  resolver_.digests["quay.io/prometheus/node-exporter:v1.7.0"] = kDigestA;
  const auto request = fixtureRequest("pod-create-pin.json");
  const Review review = run(request);
  EXPECT_TRUE(review.response.allowed);
  ASSERT_EQ(review.response.warnings.size(), 1u);
  EXPECT_NE(review.response.warnings[0].find("container \"tool\""), std::string::npos);
  EXPECT_NE(review.response.warnings[0].find("pin-ghcr"), std::string::npos);
  const auto result = patched(request, review);
  EXPECT_EQ(result["spec"]["containers"][1]["image"], "ghcr.io/example/tool:1.0");
  EXPECT_EQ(result["spec"]["containers"][0]["image"],
            "quay.io/prometheus/node-exporter:v1.7.0@" + kDigestA);
}

TEST_F(MutateTest, PinsMirroredImagesInTheRegistryUnderTheTarget) {
  const auto pinPolicy = fixturePolicy("policy-pin-mirror.yaml");
  resolver_.digests["docker.io/library/nginx:1.25"] = kDigestA;
  resolver_.digests["docker.io/library/busybox:1.36"] = kDigestA;
  const auto request = fixtureRequest("pod-create.json");
  const Review review = run(request, *pinPolicy);
  ASSERT_TRUE(review.response.allowed) << review.response.message;
  const auto result = patched(request, review);
  EXPECT_EQ(result["spec"]["containers"][0]["image"],
            "localhost:5005/docker.io/library/nginx:1.25@" + kDigestA);
  auto again = request;
  again.object = result;
  EXPECT_EQ(run(again, *pinPolicy).response.patch, "");
}

// Pinning asks the registry only where the image really comes from (issue #15, item 5).
TEST_F(MutateTest, PinsResolveAgainstTheImagesRealSourceOnly) {
  auto pinAll = policy::loadPolicyText(R"(apiVersion: berth.dev/v1
kind: ImagePolicy
metadata: {name: pin-all}
spec:
  rules:
    - {name: pin, action: require-digest, pin: true, onPinFailure: deny}
)",
                                       "pin-all.yaml", test::mirrorOptions());
  ASSERT_TRUE(pinAll) << pinAll.error().message;
  auto request = fixtureRequest("pod-create.json");
  auto pinned = [&](const std::string& image) {
    request.object["spec"]["containers"] =
        nlohmann::json::array({nlohmann::json{{"name", "app"}, {"image", image}}});
    request.object["spec"].erase("initContainers");
    resolver_.asked.clear();
    return run(request, **pinAll);
  };
  const std::vector<std::pair<std::string, std::string>> sources = {
      {"127.0.0.1:5001/team/app:2", "127.0.0.1_5001/team/app:2"},  // an upstream, port encoded
      {"ghcr.io/team/app:2", "ghcr.io/team/app:2"},
      {"localhost:5005/127.0.0.1_5001/team/app:2", "127.0.0.1_5001/team/app:2"},
      {"localhost:5005/team/app:2", "team/app:2"},  // Berth's own image
  };
  for (const auto& [image, asked] : sources) {
    resolver_.digests[asked] = kDigestA;
    const Review review = pinned(image);
    EXPECT_TRUE(review.response.allowed) << image << ": " << review.response.message;
    EXPECT_EQ(resolver_.asked, std::vector<std::string>{asked}) << image;
  }
  // Attack: a same-named repository of Berth's own must never answer for an external image.
  resolver_.digests["registry.example.com/team/app:2"] = kDigestA;
  const Review external = pinned("registry.example.com/team/app:2");
  EXPECT_FALSE(external.response.allowed);
  EXPECT_TRUE(resolver_.asked.empty());
  EXPECT_NE(external.response.message.find("not a pull-through upstream"), std::string::npos)
      << external.response.message;
}

TEST_F(MutateTest, MalformedObjectsAreDeniedWithTheReason) {
  auto request = fixtureRequest("pod-create.json");
  request.object["spec"]["containers"] = "nginx";
  const Review review = run(request);
  EXPECT_FALSE(review.response.allowed);
  EXPECT_EQ(review.response.code, 400);
  EXPECT_EQ(review.result, "invalid");
  EXPECT_NE(review.response.message.find("/spec/containers must be an array"), std::string::npos);
}

}  // namespace
}  // namespace berth::admission
