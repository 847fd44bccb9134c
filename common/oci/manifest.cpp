#include "common/oci/manifest.h"

#include <nlohmann/json.hpp>

namespace berth::oci {

using common::Error;
using common::ErrorCode;
using nlohmann::json;

namespace {

Error invalid(std::string message, std::string detail = {}) {
  return Error{ErrorCode::ManifestInvalid, std::move(message), std::move(detail)};
}

// Descriptors of content that is not in this registry (foreign Windows layers) or that carries
// its bytes inline need not exist as blobs.
bool mustExist(const json& descriptor) {
  if (descriptor.contains("data")) return false;
  const std::string type = descriptor.value("mediaType", "");
  const bool external = type.find("foreign") != std::string::npos ||
                        type.find("nondistributable") != std::string::npos;
  return !(external && descriptor.contains("urls"));
}

common::Result<Digest> descriptorDigest(const json& d, const std::string& where) {
  if (!d.is_object()) return invalid(where + " is not a descriptor");
  const auto mediaType = d.find("mediaType");
  if (mediaType == d.end() || !mediaType->is_string()) {
    return invalid(where + " has no mediaType");
  }
  const auto size = d.find("size");
  if (size == d.end() || !size->is_number_integer() || size->get<int64_t>() < 0) {
    return invalid(where + " has no valid size");
  }
  const auto digest = d.find("digest");
  if (digest == d.end() || !digest->is_string()) return invalid(where + " has no digest");
  auto parsed = Digest::parse(digest->get<std::string>());
  if (!parsed) return invalid(where + " has an invalid digest", digest->get<std::string>());
  return parsed.value();
}

common::Status readAnnotations(const json& doc, ManifestInfo& info) {
  const auto it = doc.find("annotations");
  if (it == doc.end() || it->is_null()) return {};
  if (!it->is_object()) return invalid("annotations must be an object of strings");
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string()) return invalid("annotation '" + key + "' is not a string");
    info.annotations[key] = value.get<std::string>();
  }
  return {};
}

common::Status readImageManifest(const json& doc, ManifestInfo& info) {
  const auto config = doc.find("config");
  if (config == doc.end()) return invalid("manifest has no config");
  BERTH_TRY_ASSIGN(Digest configDigest, descriptorDigest(*config, "config"));
  if (mustExist(*config)) info.blobs.push_back(configDigest);
  const auto layers = doc.find("layers");
  if (layers != doc.end()) {
    if (!layers->is_array()) return invalid("layers must be an array");
    for (size_t i = 0; i < layers->size(); ++i) {
      const json& layer = (*layers)[i];
      BERTH_TRY_ASSIGN(Digest d, descriptorDigest(layer, "layers[" + std::to_string(i) + "]"));
      if (mustExist(layer)) info.blobs.push_back(d);
    }
  } else if (info.mediaType == media::kDockerManifest) {
    return invalid("manifest has no layers");
  }
  info.artifactType = doc.value("artifactType", (*config).value("mediaType", ""));
  return {};
}

common::Status readIndex(const json& doc, ManifestInfo& info) {
  const auto manifests = doc.find("manifests");
  if (manifests == doc.end() || !manifests->is_array()) {
    return invalid("index has no manifests array");
  }
  for (size_t i = 0; i < manifests->size(); ++i) {
    BERTH_TRY_ASSIGN(Digest d,
                     descriptorDigest((*manifests)[i], "manifests[" + std::to_string(i) + "]"));
    info.manifests.push_back(d);
  }
  info.isIndex = true;
  info.artifactType = doc.value("artifactType", "");
  return {};
}

std::string inferMediaType(const json& doc, const std::string& contentType) {
  if (const auto it = doc.find("mediaType"); it != doc.end() && it->is_string()) {
    return it->get<std::string>();
  }
  if (isSupportedManifestType(contentType)) return contentType;
  return doc.contains("manifests") ? media::kOciIndex : media::kOciManifest;
}

}  // namespace

bool isSupportedManifestType(std::string_view t) {
  return t == media::kOciManifest || t == media::kOciIndex || t == media::kDockerManifest ||
         t == media::kDockerManifestList;
}

std::string baseMediaType(std::string_view contentType) {
  std::string_view t = contentType.substr(0, contentType.find(';'));
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return std::string(t);
}

common::Result<ManifestInfo> parseManifest(std::string_view bytes, std::string_view contentType) {
  const std::string type = baseMediaType(contentType);
  if (type == media::kDockerSchema1 || type == media::kDockerSchema1Signed) {
    return invalid("Docker schema 1 manifests are not supported", type);
  }
  json doc;
  try {
    doc = json::parse(bytes);
  } catch (const json::exception&) {
    return invalid("manifest is not valid JSON");
  }
  if (!doc.is_object()) return invalid("manifest is not a JSON object");
  const auto version = doc.find("schemaVersion");
  if (version == doc.end() || !version->is_number_integer()) {
    return invalid("manifest has no schemaVersion");
  }
  if (version->get<int64_t>() == 1) return invalid("Docker schema 1 manifests are not supported");
  if (version->get<int64_t>() != 2) return invalid("schemaVersion must be 2");
  if (const auto mt = doc.find("mediaType"); mt != doc.end() && !mt->is_string()) {
    return invalid("mediaType must be a string");
  }

  ManifestInfo info;
  info.mediaType = inferMediaType(doc, type);
  if (!isSupportedManifestType(info.mediaType)) {
    return invalid("unsupported manifest media type", info.mediaType);
  }
  // A generic Content-Type is tolerated; a different manifest type is a contradiction.
  if (!doc.contains("mediaType") &&
      (info.mediaType == media::kDockerManifest || info.mediaType == media::kDockerManifestList)) {
    return invalid("Docker schema 2 manifests must carry their mediaType");
  }
  if (isSupportedManifestType(type) && type != info.mediaType) {
    return invalid("Content-Type " + type + " does not match the manifest's mediaType",
                   info.mediaType);
  }
  if (const auto at = doc.find("artifactType"); at != doc.end() && !at->is_string()) {
    return invalid("artifactType must be a string");
  }
  const bool index =
      info.mediaType == media::kOciIndex || info.mediaType == media::kDockerManifestList;
  if (index) {
    BERTH_TRY(readIndex(doc, info));
  } else {
    BERTH_TRY(readImageManifest(doc, info));
  }
  BERTH_TRY(readAnnotations(doc, info));
  if (const auto subject = doc.find("subject"); subject != doc.end() && !subject->is_null()) {
    BERTH_TRY_ASSIGN(Digest d, descriptorDigest(*subject, "subject"));
    info.subject = d;
  }
  return info;
}

std::string storedManifestMediaType(std::string_view bytes) {
  try {
    const json doc = json::parse(bytes);
    return inferMediaType(doc, "");
  } catch (const json::exception&) {
    return media::kOciManifest;
  }
}

}  // namespace berth::oci
