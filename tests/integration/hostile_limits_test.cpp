// registry.limits against a real `berth serve`: blobs over the size limit however they are sent,
// more upload sessions than a user or a repository may hold, and a client over its request
// rate. Each refusal carries its status, OCI code and a message naming the limit; nothing of a
// refused blob stays on disk; other clients keep being served.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "tests/integration/hostile_support.h"
#include "tests/integration/registry_test_support.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::testing {
namespace {

constexpr int kMaxBlob = 65536;

std::string codeOf(const std::string& response) {
  const auto body = nlohmann::json::parse(bodyOf(response), nullptr, false);
  if (!body.is_object() || !body.contains("errors") || body["errors"].empty()) return "";
  return body["errors"][0].value("code", "");
}

std::string messageOf(const std::string& response) {
  const auto body = nlohmann::json::parse(bodyOf(response), nullptr, false);
  if (!body.is_object() || !body.contains("errors") || body["errors"].empty()) return "";
  return body["errors"][0].value("message", "");
}

// A header of a raw response ("" when absent); names compared case-insensitively.
std::string headerOf(const std::string& response, const std::string& name) {
  const size_t end = response.find("\r\n\r\n");
  std::string lowerName = name;
  for (auto& c : lowerName) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t at = response.find("\r\n");
  while (at != std::string::npos && at < end) {
    const size_t next = response.find("\r\n", at + 2);
    const std::string line = response.substr(at + 2, next - at - 2);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string key = line.substr(0, colon);
      for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (key == lowerName) {
        const size_t value = line.find_first_not_of(' ', colon + 1);
        return value == std::string::npos ? "" : line.substr(value);
      }
    }
    at = next;
  }
  return "";
}

// The body in chunked transfer coding, in pieces of `piece` bytes.
std::string chunked(const std::string& body, size_t piece = 8192) {
  std::string out;
  for (size_t at = 0; at < body.size(); at += piece) {
    const std::string part = body.substr(at, piece);
    char size[16];
    std::snprintf(size, sizeof size, "%zx", part.size());
    out += std::string(size) + "\r\n" + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

class LimitsTest : public ::testing::Test {
 protected:
  void start(const std::string& limits, const std::string& extraRegistry = {}) {
    const std::string config =
        dir_.write("config.yaml", "registry:\n" + extraRegistry + "  limits:\n" + limits);
    server_ =
        std::make_unique<BerthServer>(std::vector<std::string>{"--config", config}, dir_.path());
  }
  int port() const { return server_->registryPort(); }
  std::string storage() const { return dir_.path() + "/storage"; }

  // One request on a fresh connection from `source`; returns the raw response.
  std::string send(const std::string& method, const std::string& target,
                   const std::string& body = {}, const std::string& headers = {},
                   const std::string& source = {}) {
    RawConnection conn(port(), source);
    EXPECT_TRUE(conn.send(method + " " + target + " HTTP/1.1\r\nHost: berth\r\n" +
                          "Connection: close\r\n" + headers +
                          "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
    return conn.readResponse();
  }
  std::string sendChunked(const std::string& method, const std::string& target,
                          const std::string& body) {
    RawConnection conn(port());
    EXPECT_TRUE(conn.send(method + " " + target + " HTTP/1.1\r\nHost: berth\r\n" +
                          "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n" +
                          chunked(body)));
    return conn.readResponse();
  }
  // Starts an upload session; returns its Location ("" when refused, with the response).
  std::string startSession(const std::string& repo, const std::string& source = {},
                           const std::string& headers = {}, std::string* response = nullptr) {
    const std::string r = send("POST", "/v2/" + repo + "/blobs/uploads/", {}, headers, source);
    if (response) *response = r;
    return statusOf(r) == 202 ? headerOf(r, "Location") : "";
  }
  // Upload data that exists anywhere in the store (sessions, or blobs of `digest`).
  std::vector<std::string> uploadFiles() const {
    std::vector<std::string> found;
    for (const auto& path : treeOf(storage())) {
      if (path.find("/_uploads/") != std::string::npos &&
          std::filesystem::is_regular_file(storage() + "/" + path)) {
        found.push_back(path);
      }
    }
    return found;
  }
  void expectTooLarge(const std::string& response) {
    EXPECT_EQ(statusOf(response), 413) << response;
    EXPECT_EQ(codeOf(response), "SIZE_INVALID") << response;
    EXPECT_NE(messageOf(response).find(std::to_string(kMaxBlob)), std::string::npos) << response;
    EXPECT_NE(messageOf(response).find("maxBlobBytes"), std::string::npos) << response;
  }
  double refusals(const std::string& limit) {
    HttpClient c("127.0.0.1", port());
    const std::string metrics = c.get("/metrics").body;
    const std::string series = "berth_registry_limit_refusals_total{limit=\"" + limit + "\"} ";
    const size_t at = metrics.find(series);
    return at == std::string::npos ? 0 : std::stod(metrics.substr(at + series.size()));
  }

  TempDir dir_;
  std::unique_ptr<BerthServer> server_;
};

TEST_F(LimitsTest, BlobsOverTheSizeLimitAreRefusedHoweverTheyAreSentAndLeaveNothing) {
  start("    maxBlobBytes: " + std::to_string(kMaxBlob) + "\n");
  const std::string big(kMaxBlob + 1, 'b');
  const std::string digest = sha256Of(big);
  const std::string repo = "/v2/limits/big";

  // Monolithic POST with a Content-Length: refused from the header.
  expectTooLarge(send("POST", repo + "/blobs/uploads/?digest=" + digest, big));
  // Monolithic POST in chunked transfer coding: no length to trust, refused while streaming.
  expectTooLarge(sendChunked("POST", repo + "/blobs/uploads/?digest=" + digest, big));

  // PUT of a session with the whole blob, with a length and chunked.
  std::string location = startSession("limits/big");
  ASSERT_FALSE(location.empty());
  expectTooLarge(send("PUT", location + "?digest=" + digest, big));
  EXPECT_EQ(statusOf(send("GET", location)), 404);  // the session went with its data
  location = startSession("limits/big");
  ASSERT_FALSE(location.empty());
  expectTooLarge(sendChunked("PUT", location + "?digest=" + digest, big));

  // PATCH chunks, each under the limit, together over it.
  location = startSession("limits/big");
  ASSERT_FALSE(location.empty());
  const size_t half = big.size() / 2;
  const std::string first = send("PATCH", location, big.substr(0, half),
                                 "Content-Range: 0-" + std::to_string(half - 1) + "\r\n");
  ASSERT_EQ(statusOf(first), 202) << first;
  EXPECT_FALSE(uploadFiles().empty());  // the first half is stored meanwhile
  expectTooLarge(send("PATCH", location, big.substr(half)));
  const std::string gone = send("GET", location);
  EXPECT_EQ(statusOf(gone), 404) << gone;
  EXPECT_EQ(codeOf(gone), "BLOB_UPLOAD_UNKNOWN");
  // And chunked PATCHes without Content-Range.
  location = startSession("limits/big");
  ASSERT_FALSE(location.empty());
  ASSERT_EQ(statusOf(sendChunked("PATCH", location, big.substr(0, half))), 202);
  expectTooLarge(sendChunked("PATCH", location, big.substr(half)));

  EXPECT_EQ(uploadFiles(), std::vector<std::string>{});
  EXPECT_EQ(statusOf(send("GET", repo + "/blobs/" + digest)), 404);
  EXPECT_EQ(refusals("maxBlobBytes"), 6);

  // The connection of a refused body stays in step: the next request on it is served.
  RawConnection conn(port());
  ASSERT_TRUE(conn.send("POST " + repo + "/blobs/uploads/?digest=" + digest +
                        " HTTP/1.1\r\nHost: berth\r\nContent-Length: " +
                        std::to_string(big.size()) + "\r\n\r\n" + big));
  expectTooLarge(conn.readResponse());
  ASSERT_TRUE(conn.send("GET /v2/ HTTP/1.1\r\nHost: berth\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(statusOf(conn.readResponse()), 200);

  // At the limit a blob is accepted.
  const std::string exact(kMaxBlob, 'e');
  const std::string accepted =
      send("POST", repo + "/blobs/uploads/?digest=" + sha256Of(exact), exact);
  EXPECT_EQ(statusOf(accepted), 201) << accepted;
}

TEST_F(LimitsTest, TheManifestLimitMayBeSetUnderLimitsAndIsCounted) {
  start("    maxManifestBytes: 1024\n");
  const std::string big = imageManifest("c", {"l"}, "\"pad\":\"" + std::string(2000, 'x') + "\"");
  const std::string refused = send("PUT", "/v2/limits/m/manifests/v1", big,
                                   "Content-Type: " + std::string(kOciManifestType) + "\r\n");
  EXPECT_EQ(statusOf(refused), 413) << refused;
  EXPECT_EQ(codeOf(refused), "SIZE_INVALID") << refused;
  EXPECT_NE(messageOf(refused).find("1024"), std::string::npos) << refused;
  EXPECT_EQ(refusals("maxManifestBytes"), 1);
}

TEST_F(LimitsTest, AUsersUploadSessionsAreBoundedUntilOneEnds) {
  requireTool("htpasswd");
  const std::string htpasswd = dir_.file("htpasswd");
  for (const char* user : {"alice", "bob"}) {
    std::vector<std::string> argv = {"htpasswd", "-B", "-b"};
    if (!std::filesystem::exists(htpasswd)) argv.push_back("-c");
    argv.insert(argv.end(), {htpasswd, user, "secret"});
    ASSERT_EQ(runCommand(argv).exitCode, 0);
  }
  start("    maxUploadSessionsPerUser: 2\n", "  auth:\n    htpasswd: " + htpasswd + "\n");
  auto basic = [](const std::string& user) {
    return "Authorization: Basic " + common::base64Encode(user + ":secret") + "\r\n";
  };
  // The user is counted wherever they connect from.
  const std::string one = startSession("team/a", "127.0.0.1", basic("alice"));
  const std::string two = startSession("team/b", "127.0.0.2", basic("alice"));
  ASSERT_FALSE(one.empty());
  ASSERT_FALSE(two.empty());
  std::string refused;
  EXPECT_EQ(startSession("team/a", "127.0.0.3", basic("alice"), &refused), "");
  EXPECT_EQ(statusOf(refused), 429) << refused;
  EXPECT_EQ(codeOf(refused), "TOOMANYREQUESTS") << refused;
  EXPECT_NE(messageOf(refused).find("maxUploadSessionsPerUser"), std::string::npos) << refused;
  // A monolithic upload opens a session too.
  const std::string blob = "monolithic";
  EXPECT_EQ(statusOf(send("POST", "/v2/team/a/blobs/uploads/?digest=" + sha256Of(blob), blob,
                          basic("alice"))),
            429);
  // Someone else is not held back by alice.
  EXPECT_FALSE(startSession("team/a", {}, basic("bob")).empty());
  EXPECT_EQ(refusals("maxUploadSessionsPerUser"), 2);

  // Cancelling one frees a slot; completing one frees another.
  EXPECT_EQ(statusOf(send("DELETE", one, {}, basic("alice"))), 204);
  const std::string three = startSession("team/a", {}, basic("alice"));
  ASSERT_FALSE(three.empty());
  EXPECT_EQ(startSession("team/a", {}, basic("alice")), "");
  const std::string done = send("PUT", two + "?digest=" + sha256Of(blob), blob, basic("alice"));
  ASSERT_EQ(statusOf(done), 201) << done;
  EXPECT_FALSE(startSession("team/a", {}, basic("alice")).empty());
}

TEST_F(LimitsTest, AnonymousClientsAreCountedByAddressAndRepositoriesAsAWhole) {
  start("    maxUploadSessionsPerUser: 2\n    maxUploadSessionsPerRepository: 3\n");
  ASSERT_FALSE(startSession("shared/app", "127.0.0.1").empty());
  const std::string second = startSession("shared/app", "127.0.0.1");
  ASSERT_FALSE(second.empty());
  std::string refused;
  EXPECT_EQ(startSession("other/app", "127.0.0.1", {}, &refused), "");
  EXPECT_EQ(statusOf(refused), 429) << refused;
  EXPECT_NE(messageOf(refused).find("maxUploadSessionsPerUser"), std::string::npos) << refused;

  // Another address is another anonymous client, until the repository is full.
  ASSERT_FALSE(startSession("shared/app", "127.0.0.2").empty());
  EXPECT_EQ(startSession("shared/app", "127.0.0.2", {}, &refused), "");
  EXPECT_EQ(statusOf(refused), 429) << refused;
  EXPECT_EQ(codeOf(refused), "TOOMANYREQUESTS") << refused;
  EXPECT_NE(messageOf(refused).find("maxUploadSessionsPerRepository"), std::string::npos)
      << refused;
  EXPECT_FALSE(startSession("other/app", "127.0.0.2").empty());
  // Cancelling a session of the repository makes room in it.
  EXPECT_EQ(statusOf(send("DELETE", second)), 204);
  EXPECT_FALSE(startSession("shared/app", "127.0.0.3").empty());
  EXPECT_EQ(refusals("maxUploadSessionsPerRepository"), 1);
}

TEST_F(LimitsTest, AClientOverItsRequestRateIsToldWhenToRetryWhileOthersAreServed) {
  start("    requestsPerSecond: 1\n    burst: 5\n");
  RawConnection conn(port(), "127.0.0.1");
  int served = 0;
  std::string limited;
  // Five at once are the burst; one more a second refills. A hundred requests on loopback take
  // far less than the 95 seconds it would need to stay under the limit.
  for (int i = 0; i < 100 && limited.empty(); ++i) {
    ASSERT_TRUE(conn.send("GET /v2/ HTTP/1.1\r\nHost: berth\r\n\r\n"));
    const std::string response = conn.readResponse();
    if (statusOf(response) == 200) {
      ++served;
    } else {
      limited = response;
    }
  }
  EXPECT_GE(served, 5);
  ASSERT_EQ(statusOf(limited), 429) << limited;
  EXPECT_EQ(codeOf(limited), "TOOMANYREQUESTS") << limited;
  EXPECT_NE(messageOf(limited).find("requestsPerSecond"), std::string::npos) << limited;
  const std::string retryAfter = headerOf(limited, "Retry-After");
  ASSERT_FALSE(retryAfter.empty()) << limited;
  EXPECT_EQ(retryAfter.find_first_not_of("0123456789"), std::string::npos) << retryAfter;
  EXPECT_GE(std::stoi(retryAfter), 1);

  // Pushes and token requests are held back alike.
  EXPECT_EQ(statusOf(send("POST", "/v2/r/blobs/uploads/", {}, {}, "127.0.0.1")), 429);
  EXPECT_EQ(statusOf(send("GET", "/v2/token", {}, {}, "127.0.0.1")), 429);
  // Another client address is served.
  EXPECT_EQ(statusOf(send("GET", "/v2/", {}, {}, "127.0.0.2")), 200);
  // Probes and metrics are never limited.
  for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
    EXPECT_EQ(statusOf(send("GET", path, {}, {}, "127.0.0.1")), 200) << path;
  }
  EXPECT_GE(refusals("requestsPerSecond"), 3);
}

TEST(LimitsConfigTest, BadLimitsStopTheServerWithTheirPosition) {
  TempDir dir;
  const std::string both = dir.write("both.yaml",
                                     "registry:\n  maxManifestBytes: 2048\n  limits:\n"
                                     "    maxManifestBytes: 4096\n");
  auto r = runCommand({berthBinary(), "serve", "--config", both, "--check-config"});
  EXPECT_EQ(r.exitCode, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(both + ":4:23:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("keep one of the two"), std::string::npos) << r.err;

  const std::string negative =
      dir.write("negative.yaml", "registry:\n  limits:\n    maxBlobBytes: -1\n    burst: 0\n");
  r = runCommand({berthBinary(), "serve", "--config", negative, "--check-config"});
  EXPECT_EQ(r.exitCode, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(negative + ":3:19:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(negative + ":4:12:"), std::string::npos) << r.err;
  // serve itself refuses to start on the same file.
  r = runCommand({berthBinary(), "serve", "--config", negative, "--registry-listen", "127.0.0.1:0",
                  "--webhook-listen", "127.0.0.1:0"});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find(negative + ":3:19:"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace berth::testing
