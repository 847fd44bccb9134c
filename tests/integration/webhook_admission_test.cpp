// The admission webhooks over HTTPS against a running `berth serve`, replaying AdmissionReview
// requests shaped like the API server's and applying every patch with kubectl.

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "tests/integration/webhook_test_support.h"

namespace berth::testing {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class WebhookAdmissionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new WebhookServer({"--policy", sourcePath("tests/fixtures/admission/policy.yaml")});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  // Posts a review and checks the envelope every answer must have.
  static nlohmann::json review(const std::string& path, const std::string& body) {
    const HttpsAnswer answer = server_->post(path, body);
    EXPECT_EQ(answer.status, 200) << answer.body;
    const auto request = nlohmann::json::parse(body);
    EXPECT_EQ(answer.json.value("apiVersion", ""), "admission.k8s.io/v1") << answer.body;
    EXPECT_EQ(answer.json.value("kind", ""), "AdmissionReview");
    if (!answer.json.is_object() || !answer.json.contains("response")) return {{"response", {}}};
    EXPECT_EQ(answer.json["response"]["uid"], request["request"]["uid"]);
    return answer.json;
  }

  // Mutates the fixture, applies the patch with kubectl, reviews the result again (expecting no
  // patch) and returns the patched object.
  static nlohmann::json mutateAndApply(const std::string& fixture) {
    const std::string text = admissionFixture(fixture);
    const auto first = review("/mutate?timeout=10s", text);
    EXPECT_EQ(first["response"]["allowed"], true) << fixture;
    const std::string patch = responsePatch(first);
    EXPECT_FALSE(patch.empty()) << fixture;
    const auto object = nlohmann::json::parse(text)["request"]["object"];
    const auto patched = kubectlPatch(object, patch);
    const auto second = review("/mutate?timeout=10s", withObject(text, patched));
    EXPECT_EQ(second["response"]["allowed"], true);
    EXPECT_FALSE(second["response"].contains("patch")) << fixture << ": patched twice";
    return patched;
  }

  static WebhookServer* server_;
};

WebhookServer* WebhookAdmissionTest::server_ = nullptr;

TEST_F(WebhookAdmissionTest, MutatingPodCreateRewritesAndAnnotates) {
  const auto pod = mutateAndApply("pod-create.json");
  EXPECT_EQ(pod["spec"]["containers"][0]["image"], "localhost:5005/docker.io/library/nginx:1.25");
  EXPECT_EQ(pod["spec"]["containers"][1]["image"], "registry.example.com/team-a/agent:2.0");
  EXPECT_EQ(pod["spec"]["initContainers"][0]["image"],
            "localhost:5005/docker.io/library/busybox:1.36");
  const auto originals = nlohmann::json::parse(
      pod["metadata"]["annotations"]["berth.dev/original-images"].get<std::string>());
  EXPECT_EQ(originals["/spec/containers/0"], "nginx:1.25");
  EXPECT_EQ(originals["/spec/initContainers/0"], "docker.io/library/busybox:1.36");
  EXPECT_EQ(pod["metadata"]["labels"]["app"], "web");

  // The validating webhook then sees the mutated Pod: allowed, with the warn-mode finding.
  const auto validated =
      review("/validate?timeout=10s", withObject(admissionFixture("pod-create.json"), pod));
  EXPECT_EQ(validated["response"]["allowed"], true);
  ASSERT_EQ(validated["response"]["warnings"].size(), 1u);
  EXPECT_TRUE(contains(validated["response"]["warnings"][0], "warn-busybox"));
}

TEST_F(WebhookAdmissionTest, ValidatingPodCreateAsTheApiServerSendsIt) {
  const auto answer =
      review("/validate?timeout=10s", admissionFixture("pod-create-validating.json"));
  EXPECT_EQ(answer["response"]["allowed"], true);
  EXPECT_FALSE(answer["response"].contains("patch"));
  EXPECT_EQ(answer["response"]["warnings"].size(), 1u);
}

TEST_F(WebhookAdmissionTest, EveryWorkloadKindIsRewrittenAtItsTemplate) {
  const std::string templ = "/spec/template/spec/containers/0/image";
  const std::map<std::string, std::string> kinds = {
      {"deployment-create.json", templ},
      {"statefulset-create.json", templ},
      {"daemonset-create.json", templ},
      {"replicaset-create.json", templ},
      {"replicationcontroller-create.json", templ},
      {"job-create.json", templ},
      {"cronjob-create.json", "/spec/jobTemplate/spec/template/spec/containers/0/image"}};
  for (const auto& [fixture, pointer] : kinds) {
    const auto patched = mutateAndApply(fixture);
    EXPECT_EQ(patched.value(nlohmann::json::json_pointer(pointer), std::string()),
              "localhost:5005/docker.io/library/redis:7.2")
        << fixture;
    const std::string init =
        pointer.substr(0, pointer.find("/containers/")) + "/initContainers/0/image";
    EXPECT_EQ(patched.value(nlohmann::json::json_pointer(init), std::string()),
              "registry.example.com/team-a/setup:1.0")
        << fixture;
    // Audit-mode findings do not change the validating answer.
    const auto validated = review("/validate", admissionFixture(fixture));
    EXPECT_EQ(validated["response"]["allowed"], true) << fixture;
    EXPECT_TRUE(contains(validated["response"]["auditAnnotations"].value("policy-audit", ""),
                         "audit-redis"))
        << fixture;
  }
}

TEST_F(WebhookAdmissionTest, EphemeralContainersInBothShapes) {
  const auto legacy = mutateAndApply("ephemeral-legacy.json");
  EXPECT_EQ(legacy["ephemeralContainers"][0]["image"],
            "localhost:5005/docker.io/library/busybox:1.36");
  EXPECT_FALSE(legacy["metadata"].contains("annotations"));
  const auto pod = mutateAndApply("ephemeral-pod.json");
  EXPECT_EQ(pod["spec"]["ephemeralContainers"][0]["image"],
            "localhost:5005/docker.io/library/busybox:1.36");
  EXPECT_EQ(pod["spec"]["containers"][0]["image"], "localhost:5005/docker.io/library/nginx:1.25");
}

TEST_F(WebhookAdmissionTest, UpdateWithOldObjectRewritesTheNewImageAndKeepsAnnotations) {
  const auto deployment = mutateAndApply("deployment-update-image.json");
  EXPECT_EQ(deployment["spec"]["template"]["spec"]["containers"][0]["image"],
            "localhost:5005/docker.io/library/nginx:1.25");
  EXPECT_EQ(deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3");
  const auto originals = nlohmann::json::parse(
      deployment["metadata"]["annotations"]["berth.dev/original-images"].get<std::string>());
  EXPECT_EQ(originals["/spec/template/spec/containers/0"], "nginx:1.25");
  // A label-only update of a Pod admitted under an older policy is not blocked.
  const auto labels = review("/validate", admissionFixture("pod-update-labels.json"));
  EXPECT_EQ(labels["response"]["allowed"], true);
}

TEST_F(WebhookAdmissionTest, ValidatingDeniesNamingContainersImagesAndRule) {
  const auto answer = review("/validate?timeout=10s", admissionFixture("pod-create-denied.json"));
  const auto& response = answer["response"];
  EXPECT_EQ(response["allowed"], false);
  EXPECT_EQ(response["status"]["code"], 403);
  const std::string message = response["status"]["message"];
  EXPECT_TRUE(contains(message, "container \"app\"")) << message;
  EXPECT_TRUE(contains(message, "localhost:5005/docker.io/library/nginx:latest")) << message;
  EXPECT_TRUE(contains(message, "container \"tool\"")) << message;
  EXPECT_TRUE(contains(message, "rule \"deny-latest\"")) << message;
  // The mutating webhook never denies for a policy verdict.
  const auto mutated = review("/mutate", admissionFixture("pod-create-denied.json"));
  EXPECT_EQ(mutated["response"]["allowed"], true);
  EXPECT_FALSE(mutated["response"].contains("patch"));
}

TEST_F(WebhookAdmissionTest, DryRunIsJudgedTheSameAndMarkedInTheAuditLine) {
  const std::string text = admissionFixture("pod-create-dryrun.json");
  const auto answer = review("/validate", text);
  EXPECT_EQ(answer["response"]["allowed"], false);
  const std::string uid = nlohmann::json::parse(text)["request"]["uid"];
  bool found = false;
  const std::string log = server_->server().log();
  size_t start = 0;
  while (start < log.size()) {
    const size_t end = log.find('\n', start);
    const auto line = nlohmann::json::parse(log.substr(start, end - start), nullptr, false);
    start = end == std::string::npos ? log.size() : end + 1;
    if (!line.is_object() || line.value("uid", "") != uid) continue;
    found = true;
    EXPECT_EQ(line["msg"], "admission review");
    EXPECT_EQ(line["webhook"], "validate");
    EXPECT_EQ(line["dryRun"], true);
    EXPECT_EQ(line["decision"], "denied");
    EXPECT_EQ(line["rule"], "deny-latest");
    EXPECT_EQ(line["user"], "alice@example.com");
    EXPECT_EQ(line["operation"], "CREATE");
    EXPECT_EQ(line["namespace"], "team-a");
    EXPECT_EQ(line["kind"], "Pod");
    EXPECT_EQ(line["name"], "bad");
    EXPECT_EQ(line["images"].size(), 2u);
  }
  EXPECT_TRUE(found) << "no audit line for " << uid << " in\n" << log;
}

TEST_F(WebhookAdmissionTest, DeleteAndOtherKindsAreAllowedUntouched) {
  for (const char* fixture : {"pod-delete.json", "configmap-create.json"}) {
    for (const char* path : {"/mutate", "/validate"}) {
      const auto answer = review(path, admissionFixture(fixture));
      EXPECT_EQ(answer["response"]["allowed"], true) << fixture << path;
      EXPECT_FALSE(answer["response"].contains("patch")) << fixture << path;
    }
  }
}

TEST_F(WebhookAdmissionTest, BadRequestsGetAClearHttp400) {
  const std::map<std::string, std::string> cases = {
      {"this is not json", "not valid JSON"},
      {"{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}", "not an AdmissionReview"},
      {admissionFixture("pod-create-v1beta1.json"), "admission.k8s.io/v1beta1"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}})", "no uid"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u",)"
       R"("object":)" +
           std::string(5000, '[') + "}}",
       "nests deeper"},
  };
  for (const auto& [body, message] : cases) {
    for (const char* path : {"/mutate", "/validate"}) {
      const HttpsAnswer answer = server_->post(path, body);
      EXPECT_EQ(answer.status, 400) << message;
      EXPECT_TRUE(contains(answer.body, message)) << answer.body;
    }
  }
  // Still serving after all of them.
  EXPECT_EQ(review("/validate", admissionFixture("configmap-create.json"))["response"]["allowed"],
            true);
}

// An UPDATE of a denied Pod as large as the API server sends: the new object near its 3 MiB
// request limit and the old one as large, both with big managedFields. It must be judged, not
// refused for its size (failurePolicy: Ignore would then admit it unchecked).
nlohmann::json largeUpdate(size_t objectBytes) {
  auto review = nlohmann::json::parse(admissionFixture("pod-create-denied.json"));
  auto& request = review["request"];
  request["operation"] = "UPDATE";
  nlohmann::json fields = nlohmann::json::array();
  // Few, large entries: the bytes of a big object without a JSON tree so large that parsing
  // it under the sanitizers outlasts the client's timeout.
  for (size_t i = 0; i * 16000 < objectBytes; ++i) {
    fields.push_back(
        {{"manager", "kubectl-" + std::to_string(i)},
         {"operation", "Update"},
         {"apiVersion", "v1"},
         {"fieldsType", "FieldsV1"},
         {"fieldsV1", {{"f:metadata", {{"f:labels", {{"f:x", std::string(16000, 'x')}}}}}}}});
  }
  request["object"]["metadata"]["managedFields"] = fields;
  request["oldObject"] = request["object"];
  request["oldObject"]["spec"]["containers"][0]["image"] = "nginx:1.25";
  return review;
}

// The review as the API server writes it: request.uid first (Go writes struct fields in
// order), where nlohmann would sort it behind the objects.
std::string inApiServerOrder(nlohmann::json review) {
  const std::string uid = review["request"]["uid"];
  review["request"].erase("uid");
  std::string request = review["request"].dump();
  review.erase("request");
  std::string out = review.dump();
  out.pop_back();
  return out + ",\"request\":{\"uid\":\"" + uid + "\"," + request.substr(1) + "}";
}

TEST_F(WebhookAdmissionTest, AnUpdateAsLargeAsTheApiServerSendsIsJudged) {
  const std::string body = inApiServerOrder(largeUpdate(3 * 1024 * 1024 - 4096));
  ASSERT_GT(body.size(), 6u * 1024 * 1024);
  const auto answer = review("/validate", body);
  EXPECT_EQ(answer["response"]["allowed"], false);
  EXPECT_TRUE(contains(answer["response"]["status"]["message"].get<std::string>(), "latest"))
      << answer["response"];
}

TEST_F(WebhookAdmissionTest, AReviewOverTheLimitIsDeniedNotAnError) {
  // 9 MiB: over webhook.maxBodyBytes (8 MiB), under twice it.
  const std::string body = inApiServerOrder(largeUpdate(9 * 1024 * 1024 / 2));
  ASSERT_GT(body.size(), 8u * 1024 * 1024);
  ASSERT_LT(body.size(), 16u * 1024 * 1024);
  for (const char* path : {"/mutate", "/validate"}) {
    const auto answer = review(path, body);
    EXPECT_EQ(answer["response"]["allowed"], false) << path;
    EXPECT_EQ(answer["response"]["status"]["code"], 413) << path;
    EXPECT_TRUE(
        contains(answer["response"]["status"]["message"].get<std::string>(), "maxBodyBytes"))
        << answer["response"];
  }
  // Without a uid nothing can be answered as a review: an HTTP error that says why.
  const HttpsAnswer anonymous = server_->post("/validate", std::string(9 * 1024 * 1024, ' '));
  EXPECT_EQ(anonymous.status, 413);
  EXPECT_TRUE(contains(anonymous.body, "maxBodyBytes")) << anonymous.body;
  // Past twice the limit the webhook refuses before reading a byte of the body, and closes
  // (the answer arrives though the body is never sent).
  const HttpsAnswer huge = server_->rawExchange(
      "POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(17 * 1024 * 1024) + "\r\n\r\n");
  EXPECT_EQ(huge.status, 413);
  EXPECT_TRUE(contains(huge.body, "maxBodyBytes")) << huge.body;
}

TEST_F(WebhookAdmissionTest, MetricsCountDecisionsAndLatencyByKind) {
  review("/mutate", admissionFixture("pod-create.json"));
  const HttpsAnswer metrics = server_->get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_TRUE(contains(metrics.body,
                       "berth_webhook_decisions_total{webhook=\"mutate\",result=\"patched\"}"))
      << metrics.body.substr(0, 2000);
  EXPECT_TRUE(contains(metrics.body,
                       "berth_webhook_decisions_total{webhook=\"validate\","
                       "result=\"denied\"}"));
  EXPECT_TRUE(contains(metrics.body,
                       "berth_webhook_request_duration_seconds_bucket{webhook="
                       "\"mutate\",kind=\"Pod\""));
}

// A registry that knows one tag; "slow" tags answer after three seconds.
class FakeRegistry {
 public:
  FakeRegistry() {
    server_.Get(
        R"(/v2/(.+)/manifests/([^/]+))", [](const httplib::Request& req, httplib::Response& res) {
          if (req.matches[2] == "slow") std::this_thread::sleep_for(std::chrono::seconds(3));
          if (req.matches[1] == "quay.io/prometheus/node-exporter" && req.matches[2] == "v1.7.0") {
            res.set_header("Docker-Content-Digest", "sha256:" + std::string(64, 'e'));
          } else {
            res.status = 404;
          }
        });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeRegistry() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(WebhookPinningTest, PinsThroughTheRegistryAndHonoursOnPinFailure) {
  FakeRegistry registry;
  TempDir dir;
  const std::string config =
      dir.write("config.yaml", "webhook:\n  registryUrl: " + registry.url() +
                                   "\nregistry:\n  proxy:\n    upstreams:\n"
                                   "      - {host: quay.io}\n      - {host: ghcr.io}\n");
  WebhookServer server(
      {"--config", config, "--policy", sourcePath("tests/fixtures/admission/policy.yaml")});
  const std::string text = admissionFixture("pod-create-pin.json");
  const HttpsAnswer first = server.post("/mutate?timeout=10s", text);
  ASSERT_EQ(first.status, 200) << first.body;
  const auto& response = first.json["response"];
  EXPECT_EQ(response["allowed"], true);
  // ghcr.io is unknown to the registry and onPinFailure: allow admits it with a warning.
  ASSERT_EQ(response["warnings"].size(), 1u) << first.body;
  EXPECT_TRUE(contains(response["warnings"][0], "container \"tool\""));
  EXPECT_TRUE(contains(response["warnings"][0], "HTTP 404"));
  const auto object = nlohmann::json::parse(text)["request"]["object"];
  const auto pod = kubectlPatch(object, responsePatch(first.json));
  EXPECT_EQ(pod["spec"]["containers"][0]["image"],
            "quay.io/prometheus/node-exporter:v1.7.0@sha256:" + std::string(64, 'e'));
  EXPECT_EQ(pod["spec"]["containers"][1]["image"], "ghcr.io/example/tool:1.0");

  // Unknown quay.io tag under onPinFailure: deny.
  auto unknown = nlohmann::json::parse(text);
  unknown["request"]["object"]["spec"]["containers"][0]["image"] = "quay.io/prometheus/x:9";
  const HttpsAnswer denied = server.post("/mutate", unknown.dump());
  EXPECT_EQ(denied.json["response"]["allowed"], false);
  EXPECT_EQ(denied.json["response"]["status"]["code"], 403);
  const std::string message = denied.json["response"]["status"]["message"];
  EXPECT_TRUE(contains(message, "container \"exporter\"")) << message;
  EXPECT_TRUE(contains(message, "rule \"pin-quay\"")) << message;

  // The API server's timeout bounds the lookup: a registry slower than it means a denial, in
  // time for the API server to read it.
  unknown["request"]["object"]["spec"]["containers"][0]["image"] = "quay.io/prometheus/x:slow";
  const auto start = std::chrono::steady_clock::now();
  const HttpsAnswer slow = server.post("/mutate?timeout=1s", unknown.dump());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000));
  EXPECT_EQ(slow.json["response"]["allowed"], false) << slow.body;
}

}  // namespace
}  // namespace berth::testing
