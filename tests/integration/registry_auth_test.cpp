// Registry authentication through the running `berth serve --config` (htpasswd, access rules,
// audit log): raw HTTP for the exact status codes and challenges, skopeo for what real clients
// do (login, the token dance, push and pull), then `berth audit` over the log the server wrote.

#include <gtest/gtest.h>

#include <openssl/sha.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <tuple>

#include "common/base64.h"
#include "tests/support/http.h"
#include "tests/support/json_lines.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::testing {
namespace {

using Headers = std::multimap<std::string, std::string>;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

Headers basic(const std::string& user, const std::string& password) {
  return {{"Authorization", "Basic " + common::base64Encode(user + ":" + password)}};
}

std::string sha256Hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  std::string hex;
  for (unsigned char c : digest) {
    static constexpr char kDigits[] = "0123456789abcdef";
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

// A one-layer OCI image layout tagged v1 that skopeo can push: `oci:DIR:v1`.
void writeImageLayout(const TempDir& dir, const std::string& name) {
  auto put = [&](const std::string& data) {
    const std::string hex = sha256Hex(data);
    dir.write(name + "/blobs/sha256/" + hex, data);
    return nlohmann::json{{"digest", "sha256:" + hex}, {"size", data.size()}};
  };
  nlohmann::json layer = put(std::string(1024, '\0'));  // an empty tar archive
  layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar";
  nlohmann::json config =
      put(nlohmann::json({{"architecture", "amd64"},
                          {"os", "linux"},
                          {"rootfs", {{"type", "layers"}, {"diff_ids", {layer["digest"]}}}}})
              .dump());
  config["mediaType"] = "application/vnd.oci.image.config.v1+json";
  const std::string manifestType = "application/vnd.oci.image.manifest.v1+json";
  nlohmann::json manifest = put(nlohmann::json({{"schemaVersion", 2},
                                                {"mediaType", manifestType},
                                                {"config", config},
                                                {"layers", {layer}}})
                                    .dump());
  manifest["mediaType"] = manifestType;
  manifest["annotations"] = {{"org.opencontainers.image.ref.name", "v1"}};
  dir.write(name + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  dir.write(name + "/index.json",
            nlohmann::json({{"schemaVersion", 2}, {"manifests", {manifest}}}).dump());
}

class RegistryAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string htpasswd = dir_->file("htpasswd");
    for (const auto& [user, password] : std::vector<std::pair<std::string, std::string>>{
             {"alice", "wonderland"}, {"reader", "readonly"}}) {
      std::vector<std::string> argv = {"htpasswd", "-B", "-b"};
      if (!std::filesystem::exists(htpasswd)) argv.push_back("-c");
      argv.insert(argv.end(), {htpasswd, user, password});
      const CommandResult made = runCommand(argv);
      ASSERT_EQ(made.exitCode, 0) << "htpasswd (apache2-utils) is required: " << made.err;
    }
    const std::string config =
        dir_->write("config.yaml",
                    "registry:\n"
                    "  auth:\n"
                    "    htpasswd: " +
                        htpasswd +
                        "\n"
                        "    access:\n"
                        "      - {account: alice, repository: '.*', actions: ['*']}\n"
                        "      - {account: reader, repository: '.*', actions: [pull]}\n"
                        "  audit:\n"
                        "    path: " +
                        dir_->file("audit.log") + "\n");
    server_ = new BerthServer({"--config", config}, dir_->path());
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }

  static HttpResponse get(const std::string& path, const Headers& headers = {}) {
    HttpClient client("127.0.0.1", server_->registryPort());
    return client.get(path, headers);
  }

  static std::string realm() {
    return "http://127.0.0.1:" + std::to_string(server_->registryPort()) + "/v2/token";
  }

  static CommandResult skopeo(std::vector<std::string> args) {
    args.insert(args.begin(), "skopeo");
    const CommandResult result = runCommand(args);
    EXPECT_NE(result.exitCode, 127) << "skopeo is required";
    return result;
  }

  static inline TempDir* dir_ = nullptr;
  static inline BerthServer* server_ = nullptr;
};

TEST_F(RegistryAuthTest, PingWithoutCredentialsIsChallenged) {
  const HttpResponse response = get("/v2/");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.header("WWW-Authenticate"),
            "Bearer realm=\"" + realm() + "\",service=\"berth\"");
  EXPECT_TRUE(contains(response.body, "UNAUTHORIZED")) << response.body;
}

TEST_F(RegistryAuthTest, RepositoryChallengeNamesTheScope) {
  const HttpResponse response = get("/v2/team/app/manifests/v1");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(
      response.header("WWW-Authenticate"),
      "Bearer realm=\"" + realm() + "\",service=\"berth\",scope=\"repository:team/app:pull\"");
}

TEST_F(RegistryAuthTest, TokenEndpointIssuesTokensThatOpenTheRegistry) {
  const HttpResponse token = get("/v2/token?service=berth&scope=repository:team/app:pull,push",
                                 basic("alice", "wonderland"));
  ASSERT_EQ(token.status, 200) << token.body;
  const auto body = nlohmann::json::parse(token.body);
  EXPECT_EQ(body["expires_in"], 300);
  const Headers bearer = {{"Authorization", "Bearer " + body["token"].get<std::string>()}};
  EXPECT_EQ(get("/v2/", bearer).status, 200);

  const HttpResponse wrong = get("/v2/token?service=berth", basic("alice", "nope"));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.header("WWW-Authenticate"), "Basic realm=\"berth\"");

  const HttpResponse tampered = get("/v2/", {{"Authorization", bearer.begin()->second + "x"}});
  EXPECT_EQ(tampered.status, 401);
  EXPECT_TRUE(contains(tampered.header("WWW-Authenticate"), "error=\"invalid_token\""));
}

TEST_F(RegistryAuthTest, BasicCredentialsWorkDirectlyAndPermissionsGive403) {
  EXPECT_EQ(get("/v2/", basic("reader", "readonly")).status, 200);
  EXPECT_EQ(get("/v2/", basic("reader", "wrong")).status, 401);
  HttpClient client("127.0.0.1", server_->registryPort());
  const HttpResponse push =
      client.request("POST", "/v2/team/app/blobs/uploads/", "", basic("reader", "readonly"));
  EXPECT_EQ(push.status, 403) << push.body;
  EXPECT_TRUE(contains(push.body, "DENIED")) << push.body;
  EXPECT_TRUE(contains(push.body, "user 'reader' may not push to repository 'team/app'"))
      << push.body;
  const HttpResponse allowed =
      client.request("POST", "/v2/team/app/blobs/uploads/", "", basic("alice", "wonderland"));
  EXPECT_EQ(allowed.status, 202) << allowed.body;
}

// A refused attempt is evidence too: it is audited with its 401 or 403 and whoever was
// authenticated, under the repository it was aimed at.
TEST_F(RegistryAuthTest, RefusedAttemptsAreAudited) {
  HttpClient client("127.0.0.1", server_->registryPort());
  const std::string blob = "/v2/audit/refused/blobs/sha256:" + std::string(64, 'a');
  EXPECT_EQ(client.get("/v2/audit/refused/manifests/v1").status, 401);
  EXPECT_EQ(client.get("/v2/audit/refused/manifests/v1", basic("reader", "wrong")).status, 401);
  Headers readerPut = basic("reader", "readonly");
  readerPut.emplace("Content-Type", "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(client.request("PUT", "/v2/audit/refused/manifests/v1", "{}", readerPut).status, 403);
  EXPECT_EQ(client.request("DELETE", blob, "", basic("reader", "readonly")).status, 403);
  // Not content: a HEAD is not audited, allowed or refused.
  EXPECT_EQ(client.request("HEAD", blob, "", {}).status, 401);

  std::vector<nlohmann::json> refused;
  for (auto& event : readJsonLines(dir_->file("audit.log"))) {
    if (event["repository"] == "audit/refused") refused.push_back(std::move(event));
  }
  ASSERT_EQ(refused.size(), 4u) << readFile(dir_->file("audit.log"));
  const std::vector<std::tuple<std::string, std::string, int>> expected = {
      {"pull-manifest", "", 401},
      {"pull-manifest", "", 401},
      {"push-manifest", "reader", 403},
      {"delete-blob", "reader", 403}};
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& [operation, user, status] = expected[i];
    EXPECT_EQ(refused[i]["operation"], operation) << refused[i].dump();
    EXPECT_EQ(refused[i]["user"], user) << refused[i].dump();
    EXPECT_EQ(refused[i]["status"], status) << refused[i].dump();
    EXPECT_EQ(refused[i]["bytes"], 0) << refused[i].dump();
  }
}

TEST_F(RegistryAuthTest, SkopeoLogsInPushesAndPullsWithTokens) {
  const std::string registry = server_->registryAddress();
  const std::string authFile = dir_->file("auth.json");
  const CommandResult login = skopeo({"login", "--tls-verify=false", "--authfile", authFile, "-u",
                                      "alice", "-p", "wonderland", registry});
  EXPECT_EQ(login.exitCode, 0) << login.err;
  const CommandResult badLogin = skopeo({"login", "--tls-verify=false", "--authfile", authFile,
                                         "-u", "alice", "-p", "wrong", registry});
  EXPECT_NE(badLogin.exitCode, 0);
  EXPECT_TRUE(contains(badLogin.err, "invalid username/password")) << badLogin.err;

  writeImageLayout(*dir_, "layout");
  const std::string source = "oci:" + dir_->file("layout") + ":v1";
  const CommandResult push =
      skopeo({"copy", "--dest-tls-verify=false", "--dest-creds", "alice:wonderland", source,
              "docker://" + registry + "/team/app:v1"});
  ASSERT_EQ(push.exitCode, 0) << push.err;

  const CommandResult readerPush =
      skopeo({"copy", "--dest-tls-verify=false", "--dest-creds", "reader:readonly", source,
              "docker://" + registry + "/team/app:v2"});
  EXPECT_NE(readerPush.exitCode, 0);
  EXPECT_TRUE(contains(readerPush.err, "user 'reader' may not push")) << readerPush.err;

  const CommandResult pull =
      skopeo({"copy", "--src-tls-verify=false", "--src-creds", "reader:readonly",
              "docker://" + registry + "/team/app:v1", "oci:" + dir_->file("pulled") + ":v1"});
  EXPECT_EQ(pull.exitCode, 0) << pull.err;

  const CommandResult anonymous = skopeo({"inspect", "--raw", "--tls-verify=false", "--no-creds",
                                          "docker://" + registry + "/team/app:v1"});
  EXPECT_NE(anonymous.exitCode, 0);
  EXPECT_TRUE(contains(anonymous.err, "unauthorized")) << anonymous.err;

  // The audit log the server wrote says who pushed and who pulled.
  const CommandResult audit =
      runCommand({berthBinary(), "audit", "--log", dir_->file("audit.log"), "--output", "json"});
  ASSERT_EQ(audit.exitCode, 0) << audit.err;
  const auto summary = nlohmann::json::parse(audit.out);
  ASSERT_EQ(summary["images"].size(), 1u) << audit.out;
  const auto& image = summary["images"][0];
  EXPECT_EQ(image["repository"], "team/app");
  EXPECT_EQ(image["reference"], "v1");
  EXPECT_EQ(image["push"]["users"][0]["user"], "alice");
  EXPECT_EQ(image["push"]["count"], 1);
  EXPECT_EQ(image["pull"]["users"][0]["user"], "reader");
  EXPECT_GE(image["pull"]["count"].get<int>(), 1);
}

}  // namespace
}  // namespace berth::testing
