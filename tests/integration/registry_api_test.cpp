// Every endpoint of the OCI distribution API and every error code the registry produces,
// against the real `berth serve`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/registry_test_support.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::testing {
namespace {

using nlohmann::json;

constexpr const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr const char* kOciIndex = "application/vnd.oci.image.index.v1+json";

class RegistryApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new BerthServer({}, dir_->path());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  HttpClient client() { return HttpClient("127.0.0.1", server_->registryPort()); }

  static TempDir* dir_;
  static BerthServer* server_;
};
TempDir* RegistryApiTest::dir_ = nullptr;
BerthServer* RegistryApiTest::server_ = nullptr;

TEST_F(RegistryApiTest, BaseEndpointAnswersWithApiVersion) {
  auto c = client();
  auto r = c.get("/v2/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Docker-Distribution-API-Version"), "registry/2.0");
}

TEST_F(RegistryApiTest, MonolithicBlobPushPullAndRanges) {
  auto c = client();
  const std::string bytes = "0123456789abcdef";
  const std::string digest = pushBlob(c, "api/mono", bytes);

  auto head = c.request("HEAD", "/v2/api/mono/blobs/" + digest);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), "16");
  EXPECT_EQ(head.header("Docker-Content-Digest"), digest);
  EXPECT_TRUE(head.body.empty());

  auto get = c.get("/v2/api/mono/blobs/" + digest);
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, bytes);

  auto part = c.get("/v2/api/mono/blobs/" + digest, {{"Range", "bytes=2-5"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, "2345");
  EXPECT_EQ(part.header("Content-Range"), "bytes 2-5/16");

  auto tail = c.get("/v2/api/mono/blobs/" + digest, {{"Range", "bytes=-3"}});
  EXPECT_EQ(tail.status, 206);
  EXPECT_EQ(tail.body, "def");

  auto beyond = c.get("/v2/api/mono/blobs/" + digest, {{"Range", "bytes=100-"}});
  EXPECT_EQ(beyond.status, 416);
  EXPECT_EQ(beyond.header("Content-Range"), "bytes */16");

  // Blobs are visible only in repositories that hold them.
  auto elsewhere = c.get("/v2/api/other/blobs/" + digest);
  EXPECT_EQ(elsewhere.status, 404);
  EXPECT_EQ(errorCode(elsewhere), "BLOB_UNKNOWN");
}

TEST_F(RegistryApiTest, LargeBlobStreamsBothWays) {
  auto c = client();
  std::string bytes(5 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 131) % 251);
  const std::string digest = pushBlob(c, "api/large", bytes);
  auto get = c.get("/v2/api/large/blobs/" + digest);
  EXPECT_EQ(get.status, 200);
  EXPECT_TRUE(get.body == bytes);
  auto part = c.get("/v2/api/large/blobs/" + digest, {{"Range", "bytes=3000000-3000009"}});
  EXPECT_EQ(part.body, bytes.substr(3000000, 10));
}

TEST_F(RegistryApiTest, ChunkedUploadSession) {
  auto c = client();
  auto start = c.request("POST", "/v2/api/chunked/blobs/uploads/");
  ASSERT_EQ(start.status, 202) << start.body;
  const std::string location = start.header("Location");
  EXPECT_EQ(location.rfind("/v2/api/chunked/blobs/uploads/", 0), 0u);
  EXPECT_FALSE(start.header("Docker-Upload-UUID").empty());

  auto first = c.request("PATCH", location, "hello ", {{"Content-Range", "0-5"}});
  EXPECT_EQ(first.status, 202) << first.body;
  EXPECT_EQ(first.header("Range"), "0-5");

  auto status = c.get(location);
  EXPECT_EQ(status.status, 204);
  EXPECT_EQ(status.header("Range"), "0-5");
  EXPECT_EQ(status.header("Location"), location);

  auto overlap = c.request("PATCH", location, "xx", {{"Content-Range", "3-4"}});
  EXPECT_EQ(overlap.status, 416);
  auto gap = c.request("PATCH", location, "xx", {{"Content-Range", "10-11"}});
  EXPECT_EQ(gap.status, 416);

  auto second = c.request("PATCH", location, "chunked ");  // streamed, no Content-Range
  EXPECT_EQ(second.status, 202);
  EXPECT_EQ(second.header("Range"), "0-13");

  const std::string whole = "hello chunked world";
  auto done = c.request("PUT", location + "?digest=" + sha256Of(whole), "world");
  EXPECT_EQ(done.status, 201) << done.body;
  EXPECT_EQ(done.header("Docker-Content-Digest"), sha256Of(whole));
  EXPECT_EQ(done.header("Location"), "/v2/api/chunked/blobs/" + sha256Of(whole));
  EXPECT_EQ(c.get("/v2/api/chunked/blobs/" + sha256Of(whole)).body, whole);

  auto gone = c.get(location);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(errorCode(gone), "BLOB_UPLOAD_UNKNOWN");
}

TEST_F(RegistryApiTest, UploadErrors) {
  auto c = client();
  auto start = c.request("POST", "/v2/api/uperr/blobs/uploads/");
  const std::string location = start.header("Location");
  auto wrong = c.request("PUT", location + "?digest=" + sha256Of("expected"), "actual");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(errorCode(wrong), "DIGEST_INVALID");

  start = c.request("POST", "/v2/api/uperr/blobs/uploads/");
  auto missing = c.request("PUT", start.header("Location"), "x");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(errorCode(missing), "DIGEST_INVALID");

  auto mono = c.request("POST", "/v2/api/uperr/blobs/uploads/?digest=" + sha256Of("a"), "b");
  EXPECT_EQ(errorCode(mono), "DIGEST_INVALID");
  auto bad = c.request("POST", "/v2/api/uperr/blobs/uploads/?digest=sha256:xyz", "b");
  EXPECT_EQ(errorCode(bad), "DIGEST_INVALID");

  auto cancelStart = c.request("POST", "/v2/api/uperr/blobs/uploads/");
  auto cancel = c.request("DELETE", cancelStart.header("Location"));
  EXPECT_EQ(cancel.status, 204);
  auto after = c.request("PATCH", cancelStart.header("Location"), "x");
  EXPECT_EQ(after.status, 404);
  EXPECT_EQ(errorCode(after), "BLOB_UPLOAD_UNKNOWN");
  auto unknown = c.get("/v2/api/uperr/blobs/uploads/00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(errorCode(unknown), "BLOB_UPLOAD_UNKNOWN");
}

TEST_F(RegistryApiTest, ManifestPushPullByTagAndDigest) {
  auto c = client();
  const std::string config = R"({"os":"linux"})";
  const std::string layer = "layer";
  pushBlob(c, "api/man", config);
  pushBlob(c, "api/man", layer);
  // Unusual spacing on purpose: the stored bytes must come back exactly as pushed.
  const std::string manifest = imageManifest(config, {layer}) + "\n  ";
  const std::string digest = sha256Of(manifest);
  auto put = putManifest(c, "api/man", "v1", manifest);
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(put.header("Docker-Content-Digest"), digest);
  EXPECT_EQ(put.header("Location"), "/v2/api/man/manifests/" + digest);

  for (const std::string& ref : {std::string("v1"), digest}) {
    auto get = c.get("/v2/api/man/manifests/" + ref, {{"Accept", kOciManifest}});
    EXPECT_EQ(get.status, 200);
    EXPECT_EQ(get.body, manifest);
    EXPECT_EQ(get.header("Content-Type"), kOciManifest);
    EXPECT_EQ(get.header("Docker-Content-Digest"), digest);
    auto head = c.request("HEAD", "/v2/api/man/manifests/" + ref);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("Content-Length"), std::to_string(manifest.size()));
    EXPECT_EQ(head.header("Docker-Content-Digest"), digest);
  }
  // Accept negotiation: a client that wants only Docker schema 2 does not get an OCI manifest.
  auto docker = c.get("/v2/api/man/manifests/v1",
                      {{"Accept", "application/vnd.docker.distribution.manifest.v2+json"}});
  EXPECT_EQ(docker.status, 404);
  EXPECT_EQ(errorCode(docker), "MANIFEST_UNKNOWN");
  auto any = c.get("/v2/api/man/manifests/v1", {{"Accept", "*/*"}});
  EXPECT_EQ(any.status, 200);

  // Push by digest.
  auto byDigest = putManifest(c, "api/man", digest, manifest);
  EXPECT_EQ(byDigest.status, 201);
  auto mismatch = putManifest(c, "api/man", sha256Of("other"), manifest);
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_EQ(errorCode(mismatch), "DIGEST_INVALID");
}

TEST_F(RegistryApiTest, DockerSchema2AndIndexes) {
  auto c = client();
  const std::string config = R"({"os":"linux","docker":true})";
  const std::string layer = "docker layer";
  pushBlob(c, "api/docker", config);
  pushBlob(c, "api/docker", layer);
  const std::string manifest = json{
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.docker.distribution.manifest.v2+json"},
      {"config", json::parse(descriptor("application/vnd.docker.container.image.v1+json", config))},
      {"layers", json::array({json::parse(descriptor(
                     "application/vnd.docker.image.rootfs.diff.tar.gzip",
                     layer))})}}.dump();
  auto put = putManifest(c, "api/docker", "v2", manifest,
                         "application/vnd.docker.distribution.manifest.v2+json");
  ASSERT_EQ(put.status, 201) << put.body;
  auto get = c.get("/v2/api/docker/manifests/v2");
  EXPECT_EQ(get.header("Content-Type"), "application/vnd.docker.distribution.manifest.v2+json");

  const std::string list =
      json{{"schemaVersion", 2},
           {"mediaType", "application/vnd.docker.distribution.manifest.list.v2+json"},
           {"manifests",
            json::array({json{{"mediaType", "application/vnd.docker.distribution.manifest.v2+json"},
                              {"digest", sha256Of(manifest)},
                              {"size", manifest.size()},
                              {"platform", {{"architecture", "amd64"}, {"os", "linux"}}}}})}}
          .dump();
  auto putList = putManifest(c, "api/docker", "multi", list,
                             "application/vnd.docker.distribution.manifest.list.v2+json");
  EXPECT_EQ(putList.status, 201) << putList.body;

  const std::string index =
      json{{"schemaVersion", 2},
           {"mediaType", kOciIndex},
           {"manifests", json::array({json{{"mediaType", kOciManifest},
                                           {"digest", sha256Of("no such manifest")},
                                           {"size", 10}}})}}
          .dump();
  auto putIndex = putManifest(c, "api/docker", "idx", index, kOciIndex);
  EXPECT_EQ(putIndex.status, 400);
  EXPECT_EQ(errorCode(putIndex), "MANIFEST_BLOB_UNKNOWN");
}

TEST_F(RegistryApiTest, ManifestValidationErrors) {
  auto c = client();
  auto unknownBlob = putManifest(c, "api/inv", "v1", imageManifest("missing config", {"x"}));
  EXPECT_EQ(unknownBlob.status, 400);
  EXPECT_EQ(errorCode(unknownBlob), "MANIFEST_BLOB_UNKNOWN");

  const std::string schema1 = readFile(sourcePath("tests/fixtures/registry/docker_schema1.json"));
  auto s1 = putManifest(c, "api/inv", "old", schema1,
                        "application/vnd.docker.distribution.manifest.v1+prettyjws");
  EXPECT_EQ(s1.status, 400);
  EXPECT_EQ(errorCode(s1), "MANIFEST_INVALID");
  EXPECT_NE(s1.body.find("schema 1"), std::string::npos);

  auto garbage = putManifest(c, "api/inv", "v1", "{not json");
  EXPECT_EQ(errorCode(garbage), "MANIFEST_INVALID");

  std::string huge =
      imageManifest("c", {"l"}, "\"pad\":\"" + std::string(4 * 1024 * 1024, 'x') + "\"");
  auto tooBig = putManifest(c, "api/inv", "big", huge);
  EXPECT_EQ(tooBig.status, 413);
  EXPECT_EQ(errorCode(tooBig), "SIZE_INVALID");
  EXPECT_NE(tooBig.body.find("4194304"), std::string::npos);
  // The connection is still usable after a refused oversized body.
  EXPECT_EQ(c.get("/v2/").status, 200);

  auto badTag = putManifest(c, "api/inv", "-bad", "{}");
  EXPECT_EQ(badTag.status, 400);
  EXPECT_EQ(errorCode(badTag), "TAG_INVALID");
  // Reading an impossible reference finds nothing (the spec's conformance tests expect 404).
  auto readBadTag = c.get("/v2/api/inv/manifests/-bad");
  EXPECT_EQ(readBadTag.status, 404);
  EXPECT_EQ(errorCode(readBadTag), "MANIFEST_UNKNOWN");
  EXPECT_EQ(c.request("HEAD", "/v2/api/inv/manifests/-bad").status, 404);
  EXPECT_EQ(c.get("/v2/api/inv/manifests/sha256:not-hex").status, 404);
}

TEST_F(RegistryApiTest, TagsAndCatalogPaginate) {
  auto c = client();
  for (const char* tag : {"b", "a", "d", "c", "e"}) pushImage(c, "api/pages", tag, "pages");
  auto all = c.get("/v2/api/pages/tags/list");
  EXPECT_EQ(all.status, 200);
  EXPECT_EQ(json::parse(all.body)["tags"], json({"a", "b", "c", "d", "e"}));
  EXPECT_EQ(json::parse(all.body)["name"], "api/pages");

  auto page = c.get("/v2/api/pages/tags/list?n=2");
  EXPECT_EQ(json::parse(page.body)["tags"], json({"a", "b"}));
  EXPECT_EQ(page.header("Link"), "</v2/api/pages/tags/list?n=2&last=b>; rel=\"next\"");
  page = c.get("/v2/api/pages/tags/list?n=2&last=b");
  EXPECT_EQ(json::parse(page.body)["tags"], json({"c", "d"}));
  page = c.get("/v2/api/pages/tags/list?n=2&last=d");
  EXPECT_EQ(json::parse(page.body)["tags"], json({"e"}));
  EXPECT_EQ(page.header("Link"), "");

  pushImage(c, "api/pages/nested", "v1", "nested");
  auto catalog = c.get("/v2/_catalog");
  auto repos = json::parse(catalog.body)["repositories"];
  EXPECT_TRUE(std::is_sorted(repos.begin(), repos.end()));
  EXPECT_NE(std::find(repos.begin(), repos.end(), "api/pages/nested"), repos.end());
  auto first = c.get("/v2/_catalog?n=1");
  EXPECT_EQ(json::parse(first.body)["repositories"].size(), 1u);
  EXPECT_NE(first.header("Link").find("rel=\"next\""), std::string::npos);
  auto after = c.get("/v2/_catalog?n=100&last=api/pages");
  EXPECT_EQ(json::parse(after.body)["repositories"].at(0), "api/pages/nested");

  auto unknown = c.get("/v2/api/nothing/here/tags/list");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(errorCode(unknown), "NAME_UNKNOWN");
}

TEST_F(RegistryApiTest, DeleteTagsManifestsAndBlobs) {
  auto c = client();
  const std::string digest = pushImage(c, "api/del", "v1", "delete me");
  pushImage(c, "api/del", "v2", "keep me");
  auto delTag = c.request("DELETE", "/v2/api/del/manifests/v2");
  EXPECT_EQ(delTag.status, 202);
  EXPECT_EQ(errorCode(c.get("/v2/api/del/manifests/v2")), "MANIFEST_UNKNOWN");

  auto del = c.request("DELETE", "/v2/api/del/manifests/" + digest);
  EXPECT_EQ(del.status, 202);
  auto gone = c.get("/v2/api/del/manifests/" + digest);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(errorCode(gone), "MANIFEST_UNKNOWN");
  EXPECT_EQ(errorCode(c.get("/v2/api/del/manifests/v1")), "MANIFEST_UNKNOWN");
  EXPECT_EQ(errorCode(c.request("DELETE", "/v2/api/del/manifests/" + digest)), "MANIFEST_UNKNOWN");

  const std::string blob = pushBlob(c, "api/del", "a blob to delete");
  EXPECT_EQ(c.request("DELETE", "/v2/api/del/blobs/" + blob).status, 202);
  auto missing = c.get("/v2/api/del/blobs/" + blob);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(errorCode(missing), "BLOB_UNKNOWN");
}

TEST_F(RegistryApiTest, ReferrersListSubjectsArtifacts) {
  auto c = client();
  const std::string subject = pushImage(c, "api/refs", "v1", "subject");
  const std::string subjectDesc =
      json{{"mediaType", kOciManifest}, {"digest", subject}, {"size", 1}}.dump();
  const std::string empty = "{}";
  pushBlob(c, "api/refs", empty);
  const std::string sbom = "sbom document";
  const std::string sig = "signature";
  pushBlob(c, "api/refs", sbom);
  pushBlob(c, "api/refs", sig);
  auto artifact = [&](const std::string& type, const std::string& payload) {
    return json{{"schemaVersion", 2},
                {"mediaType", kOciManifest},
                {"artifactType", type},
                {"config", json::parse(descriptor("application/vnd.oci.empty.v1+json", empty))},
                {"layers", json::array({json::parse(descriptor("text/plain", payload))})},
                {"subject", json::parse(subjectDesc)},
                {"annotations", {{"org.example.kind", type}}}}
        .dump();
  };
  const std::string sbomManifest = artifact("application/vnd.example.sbom", sbom);
  auto put = putManifest(c, "api/refs", sha256Of(sbomManifest), sbomManifest);
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(put.header("OCI-Subject"), subject);
  const std::string sigManifest = artifact("application/vnd.example.signature", sig);
  ASSERT_EQ(putManifest(c, "api/refs", sha256Of(sigManifest), sigManifest).status, 201);

  auto all = c.get("/v2/api/refs/referrers/" + subject);
  EXPECT_EQ(all.status, 200);
  EXPECT_EQ(all.header("Content-Type"), kOciIndex);
  auto index = json::parse(all.body);
  EXPECT_EQ(index["mediaType"], kOciIndex);
  ASSERT_EQ(index["manifests"].size(), 2u);
  for (const auto& d : index["manifests"]) {
    EXPECT_EQ(d["mediaType"], kOciManifest);
    EXPECT_TRUE(d["digest"] == sha256Of(sbomManifest) || d["digest"] == sha256Of(sigManifest));
    EXPECT_EQ(d["annotations"]["org.example.kind"], d["artifactType"]);
  }
  auto filtered =
      c.get("/v2/api/refs/referrers/" + subject + "?artifactType=application/vnd.example.sbom");
  EXPECT_EQ(filtered.header("OCI-Filters-Applied"), "artifactType");
  auto only = json::parse(filtered.body)["manifests"];
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0]["digest"], sha256Of(sbomManifest));
  EXPECT_EQ(only[0]["size"], sbomManifest.size());

  auto none = c.get("/v2/api/refs/referrers/" + sha256Of("nothing refers to this"));
  EXPECT_EQ(none.status, 200);
  EXPECT_TRUE(json::parse(none.body)["manifests"].empty());
}

TEST_F(RegistryApiTest, CrossRepositoryMount) {
  auto c = client();
  const std::string digest = pushBlob(c, "api/mount/source", "shared layer");
  auto mounted = c.request(
      "POST", "/v2/api/mount/a/blobs/uploads/?mount=" + digest + "&from=api/mount/source");
  EXPECT_EQ(mounted.status, 201) << mounted.body;
  EXPECT_EQ(mounted.header("Location"), "/v2/api/mount/a/blobs/" + digest);
  EXPECT_EQ(mounted.header("Docker-Content-Digest"), digest);
  EXPECT_EQ(c.get("/v2/api/mount/a/blobs/" + digest).body, "shared layer");

  auto noFrom = c.request("POST", "/v2/api/mount/b/blobs/uploads/?mount=" + digest);
  EXPECT_EQ(noFrom.status, 201);
  EXPECT_EQ(c.get("/v2/api/mount/b/blobs/" + digest).status, 200);

  auto fallback = c.request("POST", "/v2/api/mount/c/blobs/uploads/?mount=" + sha256Of("nowhere") +
                                        "&from=api/mount/source");
  EXPECT_EQ(fallback.status, 202);
  EXPECT_FALSE(fallback.header("Docker-Upload-UUID").empty());
}

TEST_F(RegistryApiTest, NamesAreValidatedAndTraversalRefused) {
  auto c = client();
  auto upper = c.get("/v2/UPPER/tags/list");
  EXPECT_EQ(upper.status, 400);
  EXPECT_EQ(errorCode(upper), "NAME_INVALID");
  for (const char* path : {"/v2/a/%2e%2e/%2e%2e/tags/list", "/v2/a%2f..%2fb/tags/list",
                           "/v2/a/..%2F..%2Fetc/manifests/v1", "/v2/a%00b/tags/list"}) {
    auto r = c.get(path);
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_EQ(errorCode(r), "NAME_INVALID") << path;
  }
  auto notAnEndpoint = c.get("/v2/a/frobnicate");
  EXPECT_EQ(notAnEndpoint.status, 404);
  auto wrongMethod = c.request("PATCH", "/v2/a/manifests/v1", "x");
  EXPECT_EQ(wrongMethod.status, 405);
  EXPECT_EQ(errorCode(wrongMethod), "UNSUPPORTED");
  // A malformed digest: unknown to a read (the spec's conformance tests), invalid to a write.
  EXPECT_EQ(errorCode(c.get("/v2/a/manifests/sha256:abc")), "MANIFEST_UNKNOWN");
  EXPECT_EQ(errorCode(c.request("DELETE", "/v2/a/manifests/sha256:abc")), "DIGEST_INVALID");
  EXPECT_EQ(errorCode(c.get("/v2/never/pushed/manifests/v1")), "NAME_UNKNOWN");
}

TEST_F(RegistryApiTest, MetricsCountRequests) {
  auto c = client();
  pushImage(c, "api/metrics", "v1", "metrics");
  auto metrics = c.get("/metrics");
  EXPECT_NE(metrics.body.find("berth_registry_requests_total{operation=\"manifest-put\""),
            std::string::npos);
  EXPECT_NE(metrics.body.find("berth_registry_request_duration_seconds"), std::string::npos);
  EXPECT_NE(metrics.body.find("berth_registry_received_bytes_total"), std::string::npos);
  EXPECT_NE(metrics.body.find("berth_registry_blobs"), std::string::npos);
  EXPECT_NE(metrics.body.find("berth_registry_stored_bytes"), std::string::npos);
}

}  // namespace
}  // namespace berth::testing

namespace berth::testing {
namespace {

std::string basic(const std::string& user, const std::string& password) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string in = user + ":" + password;
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<uint8_t>(in[i + 2]);
    out += kTable[(n >> 18) & 63];
    out += kTable[(n >> 12) & 63];
    out += i + 1 < in.size() ? kTable[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kTable[n & 63] : '=';
  }
  return "Basic " + out;
}

// registry.sendfile: false serves filesystem blobs by reading and writing them, as over TLS:
// whole, and in ranges that start and end inside the 1 MiB pieces it reads.
TEST(RegistryReadWriteBlobTest, WithSendfileOffBlobsAndRangesAreServedWhole) {
  TempDir dir;
  const std::string config = dir.write("config.yaml", "registry:\n  sendfile: false\n");
  BerthServer server({"--config", config}, dir.path());
  HttpClient c("127.0.0.1", server.registryPort());
  std::string bytes(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 7919) >> 3);
  const std::string digest = pushBlob(c, "api/copied", bytes);

  const auto whole = c.get("/v2/api/copied/blobs/" + digest);
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body.size(), bytes.size());
  EXPECT_TRUE(whole.body == bytes);
  const auto part = c.get("/v2/api/copied/blobs/" + digest, {{"Range", "bytes=1048570-2097160"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_TRUE(part.body == bytes.substr(1048570, 2097160 - 1048570 + 1));
  EXPECT_EQ(part.header("Content-Range"), "bytes 1048570-2097160/" + std::to_string(bytes.size()));
}

TEST(RegistryApiAuthTest, UnauthorizedAndDenied) {
  requireTool("htpasswd");
  TempDir dir;
  const auto hash = runCommand({"htpasswd", "-nbB", "reader", "secret"});
  ASSERT_EQ(hash.exitCode, 0) << hash.err;
  const std::string htpasswd = dir.write("htpasswd", hash.out);
  std::string config = readFile(sourcePath("tests/fixtures/registry/auth_reader_config.yaml"));
  const std::string placeholder = "htpasswd: HTPASSWD";
  config.replace(config.find(placeholder), placeholder.size(), "htpasswd: " + htpasswd);
  BerthServer server({"--config", dir.write("config.yaml", config)}, dir.path());
  HttpClient c("127.0.0.1", server.registryPort());

  auto anonymous = c.get("/v2/");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(errorCode(anonymous), "UNAUTHORIZED");
  EXPECT_FALSE(anonymous.header("WWW-Authenticate").empty());

  const std::multimap<std::string, std::string> reader = {
      {"Authorization", basic("reader", "secret")}};
  EXPECT_EQ(c.get("/v2/", reader).status, 200);
  auto push = c.request("POST", "/v2/team/app/blobs/uploads/", "", reader);
  EXPECT_EQ(push.status, 403);
  EXPECT_EQ(errorCode(push), "DENIED");
  auto wrong = c.get("/v2/team/app/tags/list", {{"Authorization", basic("reader", "nope")}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(errorCode(wrong), "UNAUTHORIZED");
}

}  // namespace
}  // namespace berth::testing
