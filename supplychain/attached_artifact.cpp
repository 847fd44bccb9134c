#include "supplychain/attached_artifact.h"

#include <nlohmann/json.hpp>

#include "supplychain/cosign_signature.h"
#include "supplychain/image_vulnerabilities.h"

namespace berth::supplychain {

bool isDocumentLayer(std::string_view mediaType) {
  // A list of what is known, not "anything but a tar layer": a runtime may unpack a media type
  // that is not on a list of tar types.
  for (std::string_view known : {kSimpleSigningMediaType, kTrivyReportArtifactType,
                                 kSarifArtifactType, kCycloneDxArtifactType, kOpenVexArtifactType,
                                 kOpenVexVndArtifactType, std::string_view("application/json")}) {
    if (mediaType == known) return true;
  }
  return false;
}

bool isAttachedArtifact(std::string_view manifest) {
  const nlohmann::json doc = nlohmann::json::parse(manifest, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return false;
  const auto layers = doc.find("layers");
  if (layers == doc.end() || !layers->is_array() || layers->empty()) return false;
  for (const auto& layer : *layers) {
    if (!layer.is_object()) return false;
    const auto mediaType = layer.find("mediaType");
    if (mediaType == layer.end() || !mediaType->is_string() ||
        !isDocumentLayer(mediaType->get<std::string>())) {
      return false;
    }
  }
  return true;
}

}  // namespace berth::supplychain
