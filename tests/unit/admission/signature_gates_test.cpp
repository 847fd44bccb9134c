// The validating webhook's signature gates against a verifier that answers from a table: what
// it asks (which repository, digest and signed name), and each way an image is refused.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "admission/validate.h"
#include "tests/unit/admission/policy_fixture.h"

namespace berth::admission {
namespace {

using Outcome = supplychain::SignatureReport::Outcome;
using test::kDigestA;

// Answers from "repository@digest" -> outcome, and records what it was asked.
class TableVerifier : public SignatureVerifier {
 public:
  supplychain::SignatureReport verify(const std::string& repository, const std::string& digest,
                                      const supplychain::SignatureRequirement& requirement,
                                      const std::string& signedRepository, Deadline) override {
    asked.push_back(repository + "@" + digest + " as " + signedRepository + " min " +
                    std::to_string(requirement.minimum));
    supplychain::SignatureReport report;
    const auto it = outcomes.find(repository + "@" + digest);
    report.outcome = it == outcomes.end() ? Outcome::Unsatisfied : it->second;
    report.reason = report.outcome == Outcome::Satisfied      ? "signed by release.pub"
                    : report.outcome == Outcome::Unverifiable ? "upstream unreachable"
                                                              : "the image has no signatures";
    return report;
  }
  std::map<std::string, Outcome> outcomes;
  std::vector<std::string> asked;
};

AdmissionRequest podWith(const std::string& image) {
  const nlohmann::json review{
      {"apiVersion", "admission.k8s.io/v1"},
      {"kind", "AdmissionReview"},
      {"request",
       {{"uid", "u-1"},
        {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
        {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
        {"namespace", "team-a"},
        {"operation", "CREATE"},
        {"userInfo", {{"username", "alice"}}},
        {"object",
         {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", "p"}}},
          {"spec", {{"containers", {{{"name", "app"}, {"image", image}}}}}}}}}}};
  auto decoded = decodeAdmissionReview(review.dump(), DecodeLimits{});
  if (!decoded) throw std::runtime_error(decoded.error().message);
  return std::move(decoded).value();
}

class SignatureGatesTest : public ::testing::Test {
 protected:
  void usePolicy(const std::string& extra = "", const std::string& mode = "enforce") {
    auto loaded = policy::loadPolicyText(
        "apiVersion: berth.dev/v1\nkind: ImagePolicy\nmetadata: {name: supply-chain}\nspec:\n"
        "  mode: " +
            mode +
            "\n  rules:\n    - {name: signed, action: verify-signature, keys: "
            "[{file: " +
            berth::testing::sourcePath("tests/fixtures/policy/keys/release.pub") + "}]" + extra +
            "}\n",
        "test.yaml", test::mirrorOptions());
    ASSERT_TRUE(loaded) << loaded.error().message;
    policy_ = *loaded;
  }
  Review run(const std::string& image) {
    return validate(podWith(image),
                    ValidateContext{*policy_, &verifier_,
                                    std::chrono::steady_clock::now() + std::chrono::seconds(5)});
  }
  policy::PolicySnapshot policy_;
  TableVerifier verifier_;
};

TEST_F(SignatureGatesTest, ASignedMirroredImageIsAllowedAndItsUpstreamNameIsWhatWasSigned) {
  usePolicy();
  verifier_.outcomes["docker.io/team/app@" + kDigestA] = Outcome::Satisfied;
  const Review review = run("localhost:5005/docker.io/team/app@" + kDigestA);
  EXPECT_TRUE(review.response.allowed) << review.response.message;
  ASSERT_EQ(verifier_.asked.size(), 1u);
  EXPECT_EQ(verifier_.asked[0], "docker.io/team/app@" + kDigestA + " as docker.io/team/app min 1");
  ASSERT_EQ(review.images.at(0).signatures.size(), 1u);
  EXPECT_EQ(review.images[0].signatures[0].outcome, "satisfied");
  EXPECT_EQ(review.images[0].signatures[0].rule, "signed");
}

TEST_F(SignatureGatesTest, BerthsOwnRepositoryIsReadUnderItsOwnName) {
  usePolicy();
  verifier_.outcomes["release/app@" + kDigestA] = Outcome::Satisfied;
  EXPECT_TRUE(run("localhost:5005/release/app@" + kDigestA).response.allowed);
  EXPECT_EQ(verifier_.asked.at(0),
            "release/app@" + kDigestA + " as localhost:5005/release/app min 1");
}

TEST_F(SignatureGatesTest, AnUnsignedImageIsDeniedWithTheRuleAndTheReason) {
  usePolicy();
  const Review review = run("localhost:5005/release/app@" + kDigestA);
  EXPECT_FALSE(review.response.allowed);
  EXPECT_EQ(review.response.code, 403);
  EXPECT_EQ(review.rule, "signed");
  EXPECT_NE(review.response.message.find("container \"app\" (/spec/containers/0) image "
                                         "\"localhost:5005/release/app@" +
                                         kDigestA +
                                         "\" is denied by rule \"signed\" of policy "
                                         "\"supply-chain\": the image has no signatures"),
            std::string::npos)
      << review.response.message;
  EXPECT_EQ(review.images[0].signatures.at(0).outcome, "unsatisfied");
}

TEST_F(SignatureGatesTest, SignaturesThatCannotBeReadDenyUnlessThePolicyAllowsThat) {
  usePolicy();
  verifier_.outcomes["docker.io/team/app@" + kDigestA] = Outcome::Unverifiable;
  Review review = run("localhost:5005/docker.io/team/app@" + kDigestA);
  EXPECT_FALSE(review.response.allowed);
  EXPECT_NE(review.response.message.find("its signatures could not be verified: upstream "
                                         "unreachable"),
            std::string::npos)
      << review.response.message;

  usePolicy(", onUnverifiable: allow");
  review = run("localhost:5005/docker.io/team/app@" + kDigestA);
  EXPECT_TRUE(review.response.allowed) << review.response.message;
  ASSERT_EQ(review.response.warnings.size(), 1u);
  EXPECT_NE(review.response.warnings[0].find("allowed by onUnverifiable: allow"),
            std::string::npos);
  // Unverifiable is not unsigned: allow never lets an image whose signatures fail through.
  verifier_.outcomes.clear();
  EXPECT_FALSE(run("localhost:5005/docker.io/team/app@" + kDigestA).response.allowed);
}

TEST_F(SignatureGatesTest, AnImageWithoutADigestOrNotServedByBerthCannotBeVerified) {
  usePolicy();
  Review review = run("localhost:5005/release/app:1.0");
  EXPECT_FALSE(review.response.allowed);
  EXPECT_NE(review.response.message.find("it is not pinned to a digest"), std::string::npos)
      << review.response.message;
  review = run("registry.example.com/team/app@" + kDigestA);
  EXPECT_FALSE(review.response.allowed);
  EXPECT_NE(review.response.message.find("its signatures could not be verified"), std::string::npos)
      << review.response.message;
  EXPECT_TRUE(verifier_.asked.empty());  // nothing Berth does not serve is looked up
}

TEST_F(SignatureGatesTest, WarnAndAuditModeGatesReportWithoutDenying) {
  usePolicy("", "warn");
  Review review = run("localhost:5005/release/app@" + kDigestA);
  EXPECT_TRUE(review.response.allowed);
  ASSERT_EQ(review.response.warnings.size(), 1u);
  EXPECT_NE(review.response.warnings[0].find("warn-mode rule \"signed\""), std::string::npos)
      << review.response.warnings[0];
  usePolicy("", "audit");
  review = run("localhost:5005/release/app@" + kDigestA);
  EXPECT_TRUE(review.response.allowed);
  EXPECT_TRUE(review.response.warnings.empty());
  EXPECT_NE(review.response.auditAnnotations["policy-audit"].find("would deny it"),
            std::string::npos);
}

TEST_F(SignatureGatesTest, WithoutAVerifierEveryGateIsUnverifiable) {
  usePolicy();
  const Review review = validate(podWith("localhost:5005/release/app@" + kDigestA), *policy_);
  EXPECT_FALSE(review.response.allowed);
  EXPECT_NE(review.response.message.find("no signature verifier"), std::string::npos);
}

}  // namespace
}  // namespace berth::admission
