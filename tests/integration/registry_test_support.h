#pragma once

#include <string>
#include <vector>

#include "tests/support/http.h"

namespace berth::testing {

// Small clients of the registry API for integration tests.
std::string sha256Of(const std::string& bytes);
// Monolithic blob upload; expects 201 and returns the digest.
std::string pushBlob(HttpClient& client, const std::string& repo, const std::string& bytes);
// An OCI image manifest over the given config and layers (pushed blobs).
std::string imageManifest(const std::string& config, const std::vector<std::string>& layers,
                          const std::string& extraFields = {});
// A descriptor JSON object for content.
std::string descriptor(const std::string& mediaType, const std::string& bytes);
constexpr const char* kOciManifestType = "application/vnd.oci.image.manifest.v1+json";
HttpResponse putManifest(HttpClient& client, const std::string& repo, const std::string& ref,
                         const std::string& body, const std::string& mediaType = kOciManifestType);
// Pushes a config and one layer and a manifest at `tag`; returns the manifest digest.
std::string pushImage(HttpClient& client, const std::string& repo, const std::string& tag,
                      const std::string& seed);
// The OCI error code of an error response ("" when the body is not an error envelope).
std::string errorCode(const HttpResponse& response);
// Fails the test (not skips) when a required external tool is missing.
void requireTool(const std::string& name);

}  // namespace berth::testing
