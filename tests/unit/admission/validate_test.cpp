#include "admission/validate.h"

#include <gtest/gtest.h>

#include "tests/unit/admission/fixtures.h"
#include "tests/unit/admission/policy_fixture.h"

namespace berth::admission {
namespace {

using test::fixturePolicy;
using test::fixtureRequest;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class ValidateTest : public ::testing::Test {
 protected:
  Review run(const std::string& fixture) { return validate(fixtureRequest(fixture), *policy_); }
  policy::PolicySnapshot policy_ = fixturePolicy("policy.yaml");
};

TEST_F(ValidateTest, MutatedPodIsAllowedWithWarnModeFindingsAsWarnings) {
  const Review review = run("pod-create-validating.json");
  EXPECT_TRUE(review.response.allowed) << review.response.message;
  EXPECT_EQ(review.result, "warned");
  ASSERT_EQ(review.response.warnings.size(), 1u);
  const std::string& w = review.response.warnings[0];
  EXPECT_TRUE(contains(w, "container \"init\"")) << w;
  EXPECT_TRUE(contains(w, "rule \"warn-busybox\" of warn-mode policy \"no-busybox\"")) << w;
  EXPECT_TRUE(contains(w, "busybox is for debugging only")) << w;
  EXPECT_EQ(review.response.patch, "");
}

TEST_F(ValidateTest, DeniesNamingEachContainerImageAndRule) {
  const Review review = run("pod-create-denied.json");
  EXPECT_FALSE(review.response.allowed);
  EXPECT_EQ(review.response.code, 403);
  EXPECT_EQ(review.result, "denied");
  EXPECT_EQ(review.rule, "deny-latest");
  const std::string& m = review.response.message;
  EXPECT_TRUE(contains(m,
                       "container \"app\" (/spec/containers/0) image "
                       "\"localhost:5005/docker.io/library/nginx:latest\" is denied by rule "
                       "\"deny-latest\" of policy \"no-latest\": the tag 'latest' is not "
                       "allowed"))
      << m;
  EXPECT_TRUE(contains(m,
                       "container \"tool\" (/spec/containers/1) image "
                       "\"registry.example.com/team-a/tool\""))
      << m;
}

TEST_F(ValidateTest, DryRunIsJudgedTheSame) {
  const Review dry = run("pod-create-dryrun.json");
  const Review wet = run("pod-create-denied.json");
  EXPECT_FALSE(dry.response.allowed);
  EXPECT_EQ(dry.response.message, wet.response.message);
}

TEST_F(ValidateTest, UpdatesThatKeepAnImageAreNotJudgedAgain) {
  const Review review = run("pod-update-labels.json");
  EXPECT_TRUE(review.response.allowed) << review.response.message;
  ASSERT_EQ(review.images.size(), 1u);
  EXPECT_TRUE(review.images[0].unchanged);
  // The same Pod created now would be denied.
  auto create = fixtureRequest("pod-update-labels.json");
  create.operation = "CREATE";
  EXPECT_FALSE(validate(create, *policy_).response.allowed);
}

TEST_F(ValidateTest, AuditModeFindingsAreOnlyRecorded) {
  const Review review = run("deployment-create.json");
  EXPECT_TRUE(review.response.allowed);
  EXPECT_TRUE(review.response.warnings.empty());
  ASSERT_EQ(review.response.auditAnnotations.count("policy-audit"), 1u);
  EXPECT_TRUE(contains(review.response.auditAnnotations.at("policy-audit"), "audit-redis"));
  ASSERT_EQ(review.images.size(), 2u);
  ASSERT_TRUE(review.images[0].decision);
  EXPECT_EQ(review.images[0].decision->audits.size(), 1u);
}

TEST_F(ValidateTest, UnpinnedImagesThatMustBePinnedAreDeniedOrWarned) {
  const Review review = run("pod-create-pin.json");
  EXPECT_FALSE(review.response.allowed);
  EXPECT_TRUE(contains(review.response.message, "container \"exporter\""))
      << review.response.message;
  EXPECT_TRUE(contains(review.response.message, "rule \"pin-quay\"")) << review.response.message;
  EXPECT_FALSE(contains(review.response.message, "\"tool\""));
  ASSERT_EQ(review.response.warnings.size(), 1u);
  EXPECT_TRUE(contains(review.response.warnings[0], "container \"tool\""));
}

TEST_F(ValidateTest, InvalidImageReferencesAreDenied) {
  auto request = fixtureRequest("pod-create.json");
  request.object["spec"]["containers"][1]["image"] = "Registry.Example.com/UPPER:1";
  const Review review = validate(request, *policy_);
  EXPECT_FALSE(review.response.allowed);
  EXPECT_TRUE(contains(review.response.message, "container \"agent\"")) << review.response.message;
  EXPECT_TRUE(contains(review.response.message, "is not a valid image reference"));
}

TEST_F(ValidateTest, OtherKindsDeletesAndEphemeralContainers) {
  EXPECT_TRUE(run("configmap-create.json").response.allowed);
  EXPECT_TRUE(run("pod-delete.json").response.allowed);
  // busybox is only warned about (warn mode), in both subresource shapes.
  for (const char* fixture : {"ephemeral-legacy.json", "ephemeral-pod.json"}) {
    const Review review = run(fixture);
    EXPECT_TRUE(review.response.allowed) << fixture;
    ASSERT_EQ(review.response.warnings.size(), 1u) << fixture;
    EXPECT_TRUE(contains(review.response.warnings[0], "container \"debugger\"")) << fixture;
  }
}

TEST_F(ValidateTest, MalformedObjectsAreDeniedWithTheReason) {
  auto request = fixtureRequest("cronjob-create.json");
  request.object["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["image"] = 7;
  const Review review = validate(request, *policy_);
  EXPECT_FALSE(review.response.allowed);
  EXPECT_EQ(review.response.code, 400);
  EXPECT_TRUE(contains(review.response.message,
                       "/spec/jobTemplate/spec/template/spec/containers/0/image must be a string"));
}

}  // namespace
}  // namespace berth::admission
