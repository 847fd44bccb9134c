// Hostile input to the registry API of a real `berth serve`: path traversal in names, references
// and digests, invalid names and tags, invalid UTF-8, deeply nested and oversized manifests and
// blobs that do not match their digest. Every answer is the OCI error the spec names, the server
// keeps serving, and nothing appears outside the storage directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/integration/hostile_support.h"
#include "tests/integration/registry_test_support.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::testing {
namespace {

const std::string kZeroDigest = "sha256:" + std::string(64, '0');

class HostileRegistryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    // The smallest manifest limit the configuration allows, so oversized bodies stay small.
    const std::string config = dir_->write("config.yaml", "registry:\n  maxManifestBytes: 1024\n");
    server_ = new BerthServer({"--config", config}, dir_->path());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  static HttpClient client() { return HttpClient("127.0.0.1", server_->registryPort()); }

  // Sends one raw request on a fresh connection and returns the raw response.
  static std::string raw(const std::string& request) {
    RawConnection conn(server_->registryPort());
    EXPECT_TRUE(conn.send(request));
    return conn.readResponse();
  }
  static std::string rawRequest(const std::string& method, const std::string& target,
                                const std::string& body = {},
                                const std::string& extraHeaders = {}) {
    return raw(method + " " + target + " HTTP/1.1\r\nHost: berth\r\nConnection: close\r\n" +
               extraHeaders + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  static std::string codeOf(const std::string& response) {
    const auto body = nlohmann::json::parse(bodyOf(response), nullptr, false);
    if (!body.is_object() || !body.contains("errors") || body["errors"].empty()) return "";
    return body["errors"][0].value("code", "");
  }
  static void expectServing() {
    auto c = client();
    EXPECT_EQ(c.get("/v2/").status, 200) << server_->log();
    EXPECT_TRUE(server_->process().running());
  }

  static TempDir* dir_;
  static BerthServer* server_;
};
TempDir* HostileRegistryTest::dir_ = nullptr;
BerthServer* HostileRegistryTest::server_ = nullptr;

TEST_F(HostileRegistryTest, TraversalInNamesReferencesAndDigestsIsRefusedAndCreatesNothing) {
  auto c = client();
  pushBlob(c, "hostile/base", "base");  // storage exists; what follows must not add to the rest
  const auto outsideBefore = treeOf(dir_->path());

  struct Case {
    std::string method;
    std::string target;
    std::string code;
    int status = 400;
  };
  const std::string manifest = imageManifest("c", {"l"});
  const std::vector<Case> cases = {
      {"GET", "/v2/../../../etc/passwd/manifests/latest", "NAME_INVALID"},
      {"PUT", "/v2/hostile/../../escape/manifests/v1", "NAME_INVALID"},
      {"PUT", "/v2/hostile/%2e%2e/%2e%2e/escape/manifests/v1", "NAME_INVALID"},
      {"PUT", "/v2/hostile%2f..%2f..%2fescape/manifests/v1", "NAME_INVALID"},
      {"PUT", "/v2/hostile%2F..%2F..%2Fescape/manifests/v1", "NAME_INVALID"},
      {"PUT", "/v2//tmp/escape/manifests/v1", "NAME_INVALID"},
      {"PUT", "/v2/hostile/app/manifests/..", "NAME_INVALID"},
      {"PUT", "/v2/hostile/app/manifests/%2e%2e", "NAME_INVALID"},
      {"PUT", "/v2/hostile/app/manifests/..%2f..%2fescape", "NAME_INVALID"},
      {"PUT", "/v2/hostile/app/manifests/..%5c..%5cescape", "NAME_INVALID"},
      {"PUT", "/v2/hostile/app/manifests/v1%00.json", "NAME_INVALID"},
      {"PUT", "/v2/hostile/app/manifests/sha256:..", "DIGEST_INVALID"},
      {"GET", "/v2/hostile/app/blobs/sha256:../../../etc/passwd", "NAME_INVALID"},
      {"GET", "/v2/hostile/app/blobs/sha256:%2e%2e%2f%2e%2e%2fescape", "NAME_INVALID"},
      // Not the shape of any endpoint: the last segments are not blobs/<digest>.
      {"GET", "/v2/hostile/app/blobs//etc/passwd", "NAME_UNKNOWN", 404},
      {"GET", "/v2/hostile/app/blobs/sha256:" + std::string(62, '0') + "..", "DIGEST_INVALID"},
      {"DELETE", "/v2/hostile/app/blobs/sha256:/etc/passwd", "NAME_UNKNOWN", 404},
      {"GET", "/v2/hostile/app/referrers/sha256:..", "DIGEST_INVALID"},
      {"PATCH", "/v2/hostile/app/blobs/uploads/..%2f..%2fescape", "NAME_INVALID"},
      {"PATCH", "/v2/hostile/app/blobs/uploads/../../escape", "NAME_INVALID"},
  };
  for (const Case& k : cases) {
    // Writes carry the manifest; a GET carries no body (one with a body is refused unread
    // before any route sees it).
    const std::string response =
        rawRequest(k.method, k.target, k.method == "GET" ? std::string() : manifest,
                   "Content-Type: " + std::string(kOciManifestType) + "\r\n");
    EXPECT_EQ(statusOf(response), k.status) << k.method << " " << k.target << "\n" << response;
    EXPECT_EQ(codeOf(response), k.code) << k.method << " " << k.target << "\n" << response;
  }

  // Digests in query parameters: completing an upload and mounting from another repository.
  for (const std::string& digest : {std::string("/etc/passwd"), std::string("../../escape"),
                                    std::string("sha256:..%2f..%2fescape"),
                                    std::string("sha256%3a%2e%2e%2fescape"), kZeroDigest + "%00"}) {
    auto start = c.request("POST", "/v2/hostile/app/blobs/uploads/");
    ASSERT_EQ(start.status, 202);
    const std::string response =
        rawRequest("PUT", start.header("Location") + "?digest=" + digest, "x");
    EXPECT_EQ(statusOf(response), 400) << digest << "\n" << response;
    EXPECT_EQ(codeOf(response), "DIGEST_INVALID") << digest << "\n" << response;
  }
  const std::string mount =
      rawRequest("POST", "/v2/hostile/app/blobs/uploads/?mount=..%2f..%2fescape&from=..%2fetc");
  EXPECT_NE(statusOf(mount), 201) << mount;
  EXPECT_LT(statusOf(mount), 500) << mount;

  // A NUL byte in the raw request line is refused before any handler runs.
  const std::string nul = raw(std::string("GET /v2/hostile/app") + '\0' +
                              "/../../escape/tags/list HTTP/1.1\r\nHost: b\r\n"
                              "Connection: close\r\n\r\n");
  EXPECT_EQ(statusOf(nul), 400) << nul;

  // Nothing was created outside the storage directory.
  std::set<std::string> added;
  for (const auto& path : treeOf(dir_->path())) {
    if (!outsideBefore.count(path) && path.rfind("storage", 0) != 0) added.insert(path);
  }
  EXPECT_TRUE(added.empty()) << *added.begin();
  EXPECT_FALSE(std::filesystem::exists("/tmp/escape"));
  EXPECT_FALSE(std::filesystem::exists(dir_->file("escape")));
  for (const auto& path : treeOf(dir_->file("storage"))) {
    EXPECT_EQ(path.find("escape"), std::string::npos) << path;
  }
  expectServing();
}

TEST_F(HostileRegistryTest, InvalidNamesAndTagsAreRefusedWithTheirCodes) {
  auto c = client();
  const std::string manifest = imageManifest("c", {"l"});
  const std::vector<std::pair<std::string, std::string>> names = {
      {"-leading-dash", "NAME_INVALID"},
      {"trailing-", "NAME_INVALID"},
      {"a//b", "NAME_INVALID"},
      {"a/./b", "NAME_INVALID"},
      {"a..b", "NAME_INVALID"},
      {"a%20b", "NAME_INVALID"},
      {std::string(300, 'a'), "NAME_INVALID"},
      {"a/" + std::string(254, 'b'), "NAME_INVALID"},
  };
  for (const auto& [name, code] : names) {
    const std::string response = rawRequest("GET", "/v2/" + name + "/tags/list");
    EXPECT_EQ(statusOf(response), 400) << name << "\n" << response;
    EXPECT_EQ(codeOf(response), code) << name;
  }
  for (const std::string& tag : {std::string(".hidden"), std::string("-dash"),
                                 std::string(129, 'a'), std::string("t%20t"), std::string("t*")}) {
    const std::string response =
        rawRequest("PUT", "/v2/hostile/tags/manifests/" + tag, manifest,
                   "Content-Type: " + std::string(kOciManifestType) + "\r\n");
    EXPECT_EQ(statusOf(response), 400) << tag << "\n" << response;
    EXPECT_EQ(codeOf(response), "TAG_INVALID") << tag;
  }
  // The longest valid tag is accepted (128 characters) once the blobs exist.
  pushBlob(c, "hostile/tags", "c");
  pushBlob(c, "hostile/tags", "l");
  EXPECT_EQ(putManifest(c, "hostile/tags", std::string(128, 'a'), manifest).status, 201);
  expectServing();
}

TEST_F(HostileRegistryTest, InvalidUtf8InNamesTagsAndManifestsIsRefused) {
  auto c = client();
  for (const std::string& name : {std::string("caf%C3%A9"), std::string("bad%FF%FE"),
                                  std::string("bad\xff\xfe"), std::string("over%C0%AElong")}) {
    const std::string response = rawRequest("GET", "/v2/" + name + "/tags/list");
    EXPECT_EQ(statusOf(response), 400) << name << "\n" << response;
    EXPECT_EQ(codeOf(response), "NAME_INVALID") << name << "\n" << response;
  }
  const std::string manifest = imageManifest("c", {"l"});
  for (const std::string& tag :
       {std::string("v%FF"), std::string("v\xc3\x28"), std::string("%E2%82%AC")}) {
    const std::string response =
        rawRequest("PUT", "/v2/hostile/utf8/manifests/" + tag, manifest,
                   "Content-Type: " + std::string(kOciManifestType) + "\r\n");
    EXPECT_EQ(statusOf(response), 400) << tag << "\n" << response;
    EXPECT_EQ(codeOf(response), "TAG_INVALID") << tag << "\n" << response;
  }
  pushBlob(c, "hostile/utf8", "c");
  pushBlob(c, "hostile/utf8", "l");
  for (const std::string& annotation : {std::string("\xff\xfe"), std::string("\xc3\x28"),
                                        std::string("\xed\xa0\x80"),  // a UTF-16 surrogate
                                        std::string("\\ud800")}) {
    const std::string body =
        imageManifest("c", {"l"}, "\"annotations\":{\"k\":\"" + annotation + "\"}");
    auto put = putManifest(c, "hostile/utf8", "v1", body);
    EXPECT_EQ(put.status, 400) << put.body;
    EXPECT_EQ(errorCode(put), "MANIFEST_INVALID") << put.body;
  }
  EXPECT_EQ(c.get("/v2/hostile/utf8/manifests/v1").status, 404);
  expectServing();
}

TEST(HostileRegistryDefaultsTest, DeeplyNestedManifestsNeitherCrashNorCorrupt) {
  // The default 4 MiB limit, so nesting goes far deeper than any parser stack.
  TempDir dir;
  BerthServer server({}, dir.path());
  HttpClient c("127.0.0.1", server.registryPort());
  pushBlob(c, "hostile/deep", "c");
  pushBlob(c, "hostile/deep", "l");
  const size_t depth = 1000000;
  // Unknown fields are allowed in a manifest: a valid one carrying a million nested arrays is
  // stored and served back byte for byte.
  const std::string arrays = std::string(depth, '[') + std::string(depth, ']');
  const std::string deep = imageManifest("c", {"l"}, "\"x\":" + arrays);
  auto deepArrays = putManifest(c, "hostile/deep", "v1", deep);
  EXPECT_EQ(deepArrays.status, 201) << deepArrays.body;
  auto back = c.get("/v2/hostile/deep/manifests/v1", {{"Accept", kOciManifestType}});
  EXPECT_EQ(back.status, 200);
  EXPECT_TRUE(back.body == deep);
  // Annotations must be a map of strings: half a million nested objects there are refused.
  std::string objects;
  for (size_t i = 0; i < depth / 2; ++i) objects += "{\"a\":";
  objects += "1" + std::string(depth / 2, '}');
  auto deepObjects =
      putManifest(c, "hostile/deep", "v2", imageManifest("c", {"l"}, "\"annotations\":" + objects));
  EXPECT_EQ(deepObjects.status, 400) << deepObjects.body;
  EXPECT_EQ(errorCode(deepObjects), "MANIFEST_INVALID") << deepObjects.body;
  // Unbalanced: the parser gives up at the end of the input, not on the stack.
  auto unbalanced = putManifest(c, "hostile/deep", "v3", std::string(3 * depth, '['));
  EXPECT_EQ(unbalanced.status, 400);
  EXPECT_EQ(errorCode(unbalanced), "MANIFEST_INVALID");
  auto tags = c.get("/v2/hostile/deep/tags/list");
  EXPECT_EQ(tags.status, 200);
  EXPECT_EQ(nlohmann::json::parse(tags.body)["tags"], nlohmann::json::array({"v1"}));
  EXPECT_TRUE(server.process().running()) << server.log();
}

TEST_F(HostileRegistryTest, ManifestsOverTheLimitAreRefusedHoweverTheyAreSent) {
  auto c = client();
  const std::string big = imageManifest("c", {"l"}, "\"pad\":\"" + std::string(2000, 'x') + "\"");
  auto plain = putManifest(c, "hostile/big", "v1", big);
  EXPECT_EQ(plain.status, 413);
  EXPECT_EQ(errorCode(plain), "SIZE_INVALID") << plain.body;
  EXPECT_NE(plain.body.find("1024"), std::string::npos) << plain.body;

  // Chunked transfer coding: no Content-Length to check up front.
  std::string chunked;
  for (size_t at = 0; at < big.size(); at += 100) {
    const std::string piece = big.substr(at, 100);
    char size[16];
    std::snprintf(size, sizeof size, "%zx", piece.size());
    chunked += std::string(size) + "\r\n" + piece + "\r\n";
  }
  chunked += "0\r\n\r\n";
  const std::string response =
      raw("PUT /v2/hostile/big/manifests/v2 HTTP/1.1\r\nHost: b\r\nConnection: close\r\n"
          "Content-Type: " +
          std::string(kOciManifestType) + "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked);
  EXPECT_EQ(statusOf(response), 413) << response;
  EXPECT_EQ(codeOf(response), "SIZE_INVALID") << response;

  // A declared length far over the limit: refused once the body is drained (not buffered; the
  // connection stays in step), while others are served.
  RawConnection conn(server_->registryPort());
  ASSERT_TRUE(
      conn.send("PUT /v2/hostile/big/manifests/v3 HTTP/1.1\r\nHost: b\r\n"
                "Content-Type: " +
                std::string(kOciManifestType) + "\r\nContent-Length: 1048576\r\n\r\n"));
  for (int i = 0; i < 16; ++i) ASSERT_TRUE(conn.send(std::string(64 * 1024, ' ')));
  const std::string declared = conn.readResponse();
  EXPECT_EQ(statusOf(declared), 413) << declared;
  EXPECT_EQ(codeOf(declared), "SIZE_INVALID") << declared;
  conn.close();
  EXPECT_EQ(c.get("/v2/hostile/big/tags/list").status, 404);
  expectServing();
}

TEST_F(HostileRegistryTest, ContentThatDoesNotMatchItsDigestIsNeverStored) {
  auto c = client();
  const std::string claimed = "the bytes the client claims";
  const std::string sent = "the bytes the client sends";

  // Chunked upload completed with another digest.
  auto start = c.request("POST", "/v2/hostile/digest/blobs/uploads/");
  ASSERT_EQ(start.status, 202);
  auto patch = c.request("PATCH", start.header("Location"), sent);
  ASSERT_EQ(patch.status, 202);
  auto done = c.request("PUT", start.header("Location") + "?digest=" + sha256Of(claimed));
  EXPECT_EQ(done.status, 400);
  EXPECT_EQ(errorCode(done), "DIGEST_INVALID");
  EXPECT_EQ(c.get("/v2/hostile/digest/blobs/" + sha256Of(claimed)).status, 404);
  EXPECT_EQ(c.get("/v2/hostile/digest/blobs/" + sha256Of(sent)).status, 404);

  // A digest of another algorithm and one that is not hex.
  for (const std::string& digest : {"sha512:" + std::string(128, 'a'),
                                    "sha256:" + std::string(64, 'G'), std::string("md5:abc")}) {
    auto mono = c.request("POST", "/v2/hostile/digest/blobs/uploads/?digest=" + digest, sent);
    EXPECT_EQ(mono.status, 400) << digest;
    EXPECT_EQ(errorCode(mono), "DIGEST_INVALID") << digest;
  }

  // A manifest pushed by a digest that is not its own.
  pushBlob(c, "hostile/digest", "c");
  pushBlob(c, "hostile/digest", "l");
  const std::string manifest = imageManifest("c", {"l"});
  auto byWrongDigest = putManifest(c, "hostile/digest", sha256Of("another manifest"), manifest);
  EXPECT_EQ(byWrongDigest.status, 400) << byWrongDigest.body;
  EXPECT_EQ(errorCode(byWrongDigest), "DIGEST_INVALID") << byWrongDigest.body;
  EXPECT_EQ(c.get("/v2/hostile/digest/manifests/" + sha256Of("another manifest")).status, 404);
  EXPECT_EQ(c.get("/v2/hostile/digest/manifests/" + sha256Of(manifest)).status, 404);
  expectServing();
}

}  // namespace
}  // namespace berth::testing
