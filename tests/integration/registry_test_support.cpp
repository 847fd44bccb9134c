#include "tests/integration/registry_test_support.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/oci/digest.h"
#include "tests/support/process.h"

namespace berth::testing {

std::string sha256Of(const std::string& bytes) { return oci::digestOf(bytes).str(); }

std::string pushBlob(HttpClient& client, const std::string& repo, const std::string& bytes) {
  const std::string digest = sha256Of(bytes);
  auto r = client.request("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, bytes);
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.header("Docker-Content-Digest"), digest);
  return digest;
}

std::string descriptor(const std::string& mediaType, const std::string& bytes) {
  return nlohmann::json{
      {"mediaType", mediaType}, {"digest", sha256Of(bytes)}, {"size", bytes.size()}}
      .dump();
}

std::string imageManifest(const std::string& config, const std::vector<std::string>& layers,
                          const std::string& extraFields) {
  std::string out =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)";
  out += R"("config":)" + descriptor("application/vnd.oci.image.config.v1+json", config);
  out += R"(,"layers":[)";
  for (size_t i = 0; i < layers.size(); ++i) {
    if (i > 0) out += ",";
    out += descriptor("application/vnd.oci.image.layer.v1.tar", layers[i]);
  }
  out += "]";
  if (!extraFields.empty()) out += "," + extraFields;
  return out + "}";
}

HttpResponse putManifest(HttpClient& client, const std::string& repo, const std::string& ref,
                         const std::string& body, const std::string& mediaType) {
  return client.request("PUT", "/v2/" + repo + "/manifests/" + ref, body,
                        {{"Content-Type", mediaType}});
}

std::string pushImage(HttpClient& client, const std::string& repo, const std::string& tag,
                      const std::string& seed) {
  const std::string config = R"({"architecture":"amd64","os":"linux","seed":")" + seed + "\"}";
  const std::string layer = "layer of " + seed;
  pushBlob(client, repo, config);
  pushBlob(client, repo, layer);
  const std::string manifest = imageManifest(config, {layer});
  auto r = putManifest(client, repo, tag, manifest);
  EXPECT_EQ(r.status, 201) << r.body;
  return sha256Of(manifest);
}

std::string errorCode(const HttpResponse& response) {
  try {
    const auto body = nlohmann::json::parse(response.body);
    return body.at("errors").at(0).at("code").get<std::string>();
  } catch (const std::exception&) {
    return "";
  }
}

void requireTool(const std::string& name) {
  const auto found = runCommand({"sh", "-c", "command -v " + name});
  ASSERT_EQ(found.exitCode, 0) << name << " is required by this test and is not installed";
}

}  // namespace berth::testing
