// The registry over TLS (with certificate rotation under a running server) and its audit log,
// through a real `berth serve`.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/integration/registry_test_support.h"
#include "tests/support/json_lines.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::testing {
namespace {

// Certificates for 127.0.0.1 from `berth certs generate` into dir/name.
std::string generateCerts(const TempDir& dir, const std::string& name) {
  const std::string out = dir.file(name);
  auto r = runCommand({berthBinary(), "certs", "generate", "--service", "berth", "--namespace",
                       "test", "--ip", "127.0.0.1", "--out", out});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  return out;
}

// GET /v2/ over TLS verified against `caFile`; returns the status, or -1 when the handshake or
// verification fails.
int getOverTls(int port, const std::string& caFile) {
  httplib::SSLClient client("127.0.0.1", port);
  client.set_ca_cert_path(caFile.c_str());
  client.enable_server_certificate_verification(true);
  auto res = client.Get("/v2/");
  return res ? res->status : -1;
}

TEST(RegistryTlsTest, ServesTlsAndPicksUpRotatedCertificates) {
  TempDir dir;
  const std::string first = generateCerts(dir, "first");
  const std::string second = generateCerts(dir, "second");
  // The server reads the files at this path; rotation replaces them in place.
  std::filesystem::create_directories(dir.file("live"));
  std::filesystem::copy_file(first + "/tls.crt", dir.file("live/tls.crt"));
  std::filesystem::copy_file(first + "/tls.key", dir.file("live/tls.key"));
  BerthServer server(
      {"--tls-cert", dir.file("live/tls.crt"), "--tls-key", dir.file("live/tls.key")}, dir.path());
  EXPECT_EQ(getOverTls(server.registryPort(), first + "/ca.crt"), 200);
  EXPECT_EQ(getOverTls(server.registryPort(), second + "/ca.crt"), -1);
  // Plain HTTP to a TLS listener is not served.
  httplib::Client plain("127.0.0.1", server.registryPort());
  auto res = plain.Get("/v2/");
  EXPECT_TRUE(!res || res->status != 200);

  // Replace the pair the way a Secret update does: new files renamed over the old ones.
  std::filesystem::copy_file(second + "/tls.key", dir.file("live/tls.key.new"));
  std::filesystem::copy_file(second + "/tls.crt", dir.file("live/tls.crt.new"));
  std::filesystem::rename(dir.file("live/tls.key.new"), dir.file("live/tls.key"));
  std::filesystem::rename(dir.file("live/tls.crt.new"), dir.file("live/tls.crt"));
  int status = -1;
  for (int i = 0; i < 100 && status != 200; ++i) {  // the server looks once a second
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = getOverTls(server.registryPort(), second + "/ca.crt");
  }
  EXPECT_EQ(status, 200);
  EXPECT_EQ(getOverTls(server.registryPort(), first + "/ca.crt"), -1);
}

TEST(RegistryTlsTest, SkopeoPushesOverVerifiedTls) {
  requireTool("skopeo");
  TempDir dir;
  const std::string certs = generateCerts(dir, "certs");
  BerthServer server({"--tls-cert", certs + "/tls.crt", "--tls-key", certs + "/tls.key"},
                     dir.path());
  // skopeo reads ca.crt from --dest-cert-dir and verifies the server against it.
  std::filesystem::create_directories(dir.file("trust"));
  std::filesystem::copy_file(certs + "/ca.crt", dir.file("trust/ca.crt"));
  const std::string layout = dir.file("layout");
  auto init = runCommand({"umoci", "init", "--layout", layout});
  ASSERT_EQ(init.exitCode, 0) << init.err;
  auto create = runCommand({"umoci", "new", "--image", layout + ":v1"});
  ASSERT_EQ(create.exitCode, 0) << create.err;
  auto copy =
      runCommand({"skopeo", "copy", "--dest-cert-dir", dir.file("trust"), "oci:" + layout + ":v1",
                  "docker://" + server.registryAddress() + "/tls/app:v1"});
  EXPECT_EQ(copy.exitCode, 0) << copy.err;
  // Pulled back over TLS, where blobs are written through the TLS stream rather than sent from
  // their files; skopeo checks every digest.
  auto back = runCommand({"skopeo", "copy", "--src-cert-dir", dir.file("trust"),
                          "docker://" + server.registryAddress() + "/tls/app:v1",
                          "oci:" + dir.file("pulled") + ":v1"});
  EXPECT_EQ(back.exitCode, 0) << back.err;
  auto untrusted = runCommand(
      {"skopeo", "inspect", "--raw", "docker://" + server.registryAddress() + "/tls/app:v1"});
  EXPECT_NE(untrusted.exitCode, 0);
  EXPECT_NE(untrusted.err.find("certificate"), std::string::npos) << untrusted.err;
}

TEST(RegistryAuditTest, RecordsWhoPushedAndPulledWhat) {
  TempDir dir;
  const std::string audit = dir.file("audit.log");
  BerthServer server({"--audit-log", audit}, dir.path());
  HttpClient client("127.0.0.1", server.registryPort());
  const std::string digest = pushImage(client, "team/app", "v1", "audit");
  auto pulled = client.get("/v2/team/app/manifests/v1",
                           {{"User-Agent", "containerd/1.6.20"},
                            {"Accept", "application/vnd.oci.image.manifest.v1+json"}});
  ASSERT_EQ(pulled.status, 200);
  auto missing = client.get("/v2/team/app/manifests/v9");
  EXPECT_EQ(missing.status, 404);
  auto session = client.request("POST", "/v2/team/chunked/blobs/uploads/");
  ASSERT_EQ(session.status, 202) << session.body;
  std::string location = session.header("Location");
  for (const std::string& chunk : {std::string("hello "), std::string("world")}) {
    auto patched = client.request("PATCH", location, chunk);
    ASSERT_EQ(patched.status, 202) << patched.body;
    location = patched.header("Location");
  }
  auto put =
      client.request("PUT", location + (location.find('?') == std::string::npos ? "?" : "&") +
                                "digest=" + sha256Of("hello world"));
  ASSERT_EQ(put.status, 201) << put.body;
  server.stop();

  const auto lines = readJsonLines(audit);
  const nlohmann::json* push = nullptr;
  const nlohmann::json* pull = nullptr;
  const nlohmann::json* miss = nullptr;
  for (const auto& line : lines) {
    for (const char* field : {"time", "client", "user", "userAgent", "operation", "repository",
                              "reference", "digest", "status", "bytes", "durationMs"}) {
      EXPECT_TRUE(line.contains(field)) << field << " missing in " << line.dump();
    }
    if (line["operation"] == "push-manifest") push = &line;
    if (line["operation"] == "pull-manifest" && line["status"] == 200) pull = &line;
    if (line["operation"] == "pull-manifest" && line["status"] == 404) miss = &line;
  }
  ASSERT_NE(push, nullptr) << readFile(audit);
  ASSERT_NE(pull, nullptr) << readFile(audit);
  EXPECT_EQ((*push)["repository"], "team/app");
  EXPECT_EQ((*push)["reference"], "v1");
  EXPECT_EQ((*push)["digest"], digest);
  EXPECT_EQ((*pull)["digest"], digest);
  EXPECT_EQ((*pull)["userAgent"], "containerd/1.6.20");
  EXPECT_EQ((*pull)["client"], "127.0.0.1");
  EXPECT_GT((*pull)["bytes"].get<int64_t>(), 0);
  ASSERT_NE(miss, nullptr) << readFile(audit);

  // A chunked blob upload (POST, two PATCHes, a PUT with no body, as skopeo sends them) is one
  // push-blob line with the blob's size and digest, not the final PUT's 0 bytes and session id.
  const auto chunkedLine = [&] {
    for (const auto& line : lines) {
      if (line["operation"] == "push-blob" && line["repository"] == "team/chunked") return line;
    }
    return nlohmann::json();
  }();
  ASSERT_FALSE(chunkedLine.is_null()) << readFile(audit);
  EXPECT_EQ(chunkedLine["bytes"], 11);
  EXPECT_EQ(chunkedLine["digest"], sha256Of("hello world"));
  EXPECT_EQ(chunkedLine["reference"], sha256Of("hello world"));

  // `berth audit` summarises the same file.
  auto summary = runCommand({berthBinary(), "audit", "--log", audit, "--output", "json"});
  EXPECT_EQ(summary.exitCode, 0) << summary.err;
  EXPECT_NE(summary.out.find("team/app"), std::string::npos) << summary.out;
}

}  // namespace
}  // namespace berth::testing
