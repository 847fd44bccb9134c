#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/oci/digest.h"
#include "common/result.h"

namespace berth::oci {

namespace media {
constexpr const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr const char* kOciIndex = "application/vnd.oci.image.index.v1+json";
constexpr const char* kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
constexpr const char* kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
constexpr const char* kDockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
constexpr const char* kDockerSchema1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
}  // namespace media

// True for the four manifest media types we store.
bool isSupportedManifestType(std::string_view mediaType);
// The media type without parameters ("; charset=utf-8") and surrounding spaces.
std::string baseMediaType(std::string_view contentType);

// What the registry needs to know about a manifest: what it references and how it describes
// itself to the referrers API.
struct ManifestInfo {
  std::string mediaType;
  bool isIndex = false;
  std::string artifactType;  // artifactType, else the config's media type (referrers)
  std::map<std::string, std::string> annotations;
  std::vector<Digest> blobs;      // config and layers: must exist in the repository
  std::vector<Digest> manifests;  // children of an index: must exist in the repository
  std::optional<Digest> subject;
};

// Parses and validates a manifest as pushed with `contentType` (may be empty). Schema 1,
// unknown media types, malformed descriptors and a media type that contradicts the
// Content-Type are MANIFEST_INVALID with a message saying which.
common::Result<ManifestInfo> parseManifest(std::string_view bytes, std::string_view contentType);

// The media type of stored bytes (already validated when pushed).
std::string storedManifestMediaType(std::string_view bytes);

}  // namespace berth::oci
