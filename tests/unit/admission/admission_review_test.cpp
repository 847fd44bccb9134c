#include "admission/admission_review.h"

#include <gtest/gtest.h>

#include "tests/unit/admission/fixtures.h"

namespace berth::admission {
namespace {

using test::fixtureText;

std::string decodeError(const std::string& body, DecodeLimits limits = {}) {
  auto decoded = decodeAdmissionReview(body, limits);
  EXPECT_FALSE(decoded.has_value()) << body.substr(0, 200);
  if (decoded) return "";
  EXPECT_EQ(decoded.error().code, common::ErrorCode::InvalidArgument);
  return decoded.error().message;
}

// A minimal valid review with `request` replaced.
std::string reviewWith(const std::string& request) {
  return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":)" + request +
         "}";
}

TEST(AdmissionReviewTest, DecodesPodCreate) {
  auto decoded = decodeAdmissionReview(fixtureText("pod-create.json"), {});
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->uid, "3b6c1e2a-0000-4000-8000-000000000001");
  EXPECT_EQ(decoded->kind.kind, "Pod");
  EXPECT_EQ(decoded->kind.group, "");
  EXPECT_EQ(decoded->resource, "pods");
  EXPECT_EQ(decoded->operation, "CREATE");
  EXPECT_EQ(decoded->namespaceName, "team-a");
  EXPECT_EQ(decoded->name, "web");
  EXPECT_EQ(decoded->userName, "alice@example.com");
  EXPECT_FALSE(decoded->dryRun);
  ASSERT_TRUE(decoded->object.is_object());
  EXPECT_EQ(decoded->object["spec"]["containers"][0]["image"], "nginx:1.25");
  EXPECT_TRUE(decoded->oldObject.is_null());
}

TEST(AdmissionReviewTest, DecodesDryRunSubresourceAndDelete) {
  auto dry = decodeAdmissionReview(fixtureText("pod-create-dryrun.json"), {});
  ASSERT_TRUE(dry);
  EXPECT_TRUE(dry->dryRun);
  auto ephemeral = decodeAdmissionReview(fixtureText("ephemeral-legacy.json"), {});
  ASSERT_TRUE(ephemeral);
  EXPECT_EQ(ephemeral->subResource, "ephemeralcontainers");
  EXPECT_EQ(ephemeral->kind.kind, "EphemeralContainers");
  auto deleted = decodeAdmissionReview(fixtureText("pod-delete.json"), {});
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->operation, "DELETE");
  EXPECT_TRUE(deleted->object.is_null());
  EXPECT_TRUE(deleted->oldObject.is_object());
}

TEST(AdmissionReviewTest, RejectsBodiesThatAreNotJson) {
  EXPECT_NE(decodeError("").find("empty"), std::string::npos);
  EXPECT_NE(decodeError("{\"apiVersion\": ").find("not valid JSON"), std::string::npos);
  EXPECT_NE(decodeError("<AdmissionReview/>").find("not valid JSON"), std::string::npos);
  EXPECT_NE(decodeError("[1,2]").find("not a JSON object"), std::string::npos);
}

TEST(AdmissionReviewTest, RejectsOtherDocuments) {
  EXPECT_NE(decodeError(R"({"apiVersion":"v1","kind":"Pod"})").find("not an AdmissionReview"),
            std::string::npos);
  EXPECT_NE(decodeError(R"({"apiVersion":"admission.k8s.io/v1"})").find("not an AdmissionReview"),
            std::string::npos);
}

TEST(AdmissionReviewTest, RejectsOtherApiVersionsByName) {
  const std::string message = decodeError(fixtureText("pod-create-v1beta1.json"));
  EXPECT_NE(message.find("admission.k8s.io/v1beta1"), std::string::npos) << message;
  EXPECT_NE(message.find("admissionReviewVersions"), std::string::npos) << message;
  EXPECT_NE(decodeError(R"({"kind":"AdmissionReview"})").find("(missing)"), std::string::npos);
}

TEST(AdmissionReviewTest, RejectsMissingOrBadRequestFields) {
  EXPECT_NE(decodeError(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})")
                .find("no request"),
            std::string::npos);
  EXPECT_NE(decodeError(reviewWith("[]")).find("no request"), std::string::npos);
  const std::string kind = R"("kind":{"group":"","version":"v1","kind":"Pod"})";
  EXPECT_NE(decodeError(reviewWith(R"({"operation":"CREATE",)" + kind + "}")).find("no uid"),
            std::string::npos);
  EXPECT_NE(
      decodeError(reviewWith(R"({"uid":"","operation":"CREATE",)" + kind + "}")).find("no uid"),
      std::string::npos);
  EXPECT_NE(decodeError(reviewWith(R"({"uid":42,"operation":"CREATE",)" + kind + "}"))
                .find("request.uid must be a string"),
            std::string::npos);
  EXPECT_NE(decodeError(reviewWith(R"({"uid":"u",)" + kind + "}")).find("no operation"),
            std::string::npos);
  EXPECT_NE(decodeError(reviewWith(R"({"uid":"u","operation":"CREATE"})")).find("no kind"),
            std::string::npos);
  EXPECT_NE(decodeError(reviewWith(R"({"uid":"u","operation":"CREATE","object":"x",)" + kind + "}"))
                .find("request.object must be an object"),
            std::string::npos);
  EXPECT_NE(
      decodeError(reviewWith(R"({"uid":"u","operation":"CREATE","dryRun":"yes",)" + kind + "}"))
          .find("dryRun must be a boolean"),
      std::string::npos);
  EXPECT_NE(decodeError(reviewWith(R"({"uid":"u","operation":"CREATE","userInfo":{"username":1},)" +
                                   kind + "}"))
                .find("userInfo"),
            std::string::npos);
}

TEST(AdmissionReviewTest, RejectsBodiesOverTheLimit) {
  const std::string body = fixtureText("pod-create.json");
  DecodeLimits limits;
  limits.maxBodyBytes = body.size() - 1;
  const std::string message = decodeError(body, limits);
  EXPECT_NE(message.find("more than the " + std::to_string(body.size() - 1)), std::string::npos)
      << message;
  limits.maxBodyBytes = body.size();
  EXPECT_TRUE(decodeAdmissionReview(body, limits).has_value());
}

TEST(AdmissionReviewTest, RejectsDeepNestingWithoutCrashing) {
  // 100,000 levels would exhaust a recursive parser's stack; the callback stops at the limit.
  const std::string deep(100000, '[');
  const std::string body = reviewWith(R"({"uid":"u","object":{"x":)" + deep);
  EXPECT_NE(decodeError(body).find("nests deeper than 64"), std::string::npos);
  std::string nested = "1";
  for (int i = 0; i < 70; ++i) nested = "[" + nested + "]";
  EXPECT_NE(decodeError(reviewWith(R"({"uid":"u","x":)" + nested + "}")).find("deeper"),
            std::string::npos);
}

TEST(AdmissionReviewTest, EncodesAnAllowedResponseWithoutStatus) {
  AdmissionResponse response;
  response.uid = "abc";
  const auto json = nlohmann::json::parse(encodeAdmissionReview(response));
  EXPECT_EQ(json["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(json["kind"], "AdmissionReview");
  EXPECT_EQ(json["response"]["uid"], "abc");
  EXPECT_EQ(json["response"]["allowed"], true);
  EXPECT_FALSE(json["response"].contains("status"));
  EXPECT_FALSE(json["response"].contains("patch"));
  EXPECT_FALSE(json["response"].contains("warnings"));
}

TEST(AdmissionReviewTest, EncodesDenialPatchWarningsAndAuditAnnotations) {
  AdmissionResponse response;
  response.uid = "abc";
  response.allowed = false;
  response.code = 403;
  response.message = "berth: denied";
  response.patch = R"([{"op":"replace","path":"/a","value":"b"}])";
  response.warnings = {"w1", "w2"};
  response.auditAnnotations["policy-audit"] = "x";
  const auto json = nlohmann::json::parse(encodeAdmissionReview(response));
  const auto& r = json["response"];
  EXPECT_EQ(r["allowed"], false);
  EXPECT_EQ(r["status"]["code"], 403);
  EXPECT_EQ(r["status"]["message"], "berth: denied");
  EXPECT_EQ(r["patchType"], "JSONPatch");
  EXPECT_EQ(r["patch"], "W3sib3AiOiJyZXBsYWNlIiwicGF0aCI6Ii9hIiwidmFsdWUiOiJiIn1d");
  EXPECT_EQ(r["warnings"], nlohmann::json({"w1", "w2"}));
  EXPECT_EQ(r["auditAnnotations"]["policy-audit"], "x");
}

}  // namespace
}  // namespace berth::admission
