#include "supplychain/cosign_signature.h"

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/oci/digest.h"
#include "common/oci/image_reference.h"
#include "supplychain/simple_signing.h"

namespace berth::supplychain {

namespace {

common::Error manifestError(const std::string& detail) {
  return common::Error{common::ErrorCode::ManifestInvalid, "signature manifest: " + detail};
}

SignatureLayer layerOf(const nlohmann::json& layer) {
  SignatureLayer out;
  auto digest = layer.find("digest");
  auto size = layer.find("size");
  if (digest == layer.end() || !digest->is_string() ||
      !oci::isValidDigest(digest->get<std::string>())) {
    out.problem = "the layer has no valid digest";
    return out;
  }
  out.payloadDigest = digest->get<std::string>();
  if (size == layer.end() || !size->is_number_unsigned()) {
    out.problem = "the layer has no size";
    return out;
  }
  out.payloadSize = size->get<uint64_t>();
  auto annotations = layer.find("annotations");
  if (annotations == layer.end() || !annotations->is_object()) {
    out.problem = "the layer has no signature annotation";
    return out;
  }
  auto encoded = annotations->find(std::string(kSignatureAnnotation));
  if (encoded == annotations->end() || !encoded->is_string()) {
    out.problem = "the layer has no signature annotation";
    return out;
  }
  auto decoded = common::base64Decode(encoded->get<std::string>());
  if (!decoded || decoded->empty()) {
    out.problem = "the signature annotation is not base64";
    return out;
  }
  out.signature = std::move(*decoded);
  return out;
}

std::string keyNames(const std::vector<PublicKey>& keys) {
  std::string names;
  for (const auto& key : keys) names += (names.empty() ? "" : ", ") + key.name();
  return names;
}

}  // namespace

common::Result<std::string> cosignSignatureTag(std::string_view manifestDigest) {
  BERTH_TRY_ASSIGN(oci::Digest digest, oci::Digest::parse(manifestDigest));
  return digest.algorithm + "-" + digest.hex + ".sig";
}

bool isSignatureTag(std::string_view tag) {
  constexpr std::string_view kPrefix = "sha256-";
  constexpr std::string_view kSuffix = ".sig";
  if (tag.size() != kPrefix.size() + 64 + kSuffix.size()) return false;
  if (tag.substr(0, kPrefix.size()) != kPrefix) return false;
  if (tag.substr(tag.size() - kSuffix.size()) != kSuffix) return false;
  for (char c : tag.substr(kPrefix.size(), 64)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

common::Result<std::vector<SignatureLayer>> parseSignatureManifest(std::string_view manifest) {
  const nlohmann::json doc = nlohmann::json::parse(manifest, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return manifestError("not a JSON object");
  auto layers = doc.find("layers");
  if (layers == doc.end() || !layers->is_array()) return manifestError("no layers");
  std::vector<SignatureLayer> out;
  for (const auto& layer : *layers) {
    if (out.size() == kMaxSignatureLayers) break;
    if (!layer.is_object()) continue;
    auto mediaType = layer.find("mediaType");
    if (mediaType == layer.end() || *mediaType != kSimpleSigningMediaType) continue;
    out.push_back(layerOf(layer));
  }
  return out;
}

SignatureCheck checkSignature(const SignatureLayer& layer, std::string_view payload,
                              const std::vector<PublicKey>& keys, std::string_view manifestDigest,
                              std::optional<std::string_view> repository) {
  SignatureCheck check;
  if (!layer.problem.empty()) {
    check.reason = layer.problem;
    return check;
  }
  if (payload.size() != layer.payloadSize || oci::digestOf(payload).str() != layer.payloadDigest) {
    check.reason = "the payload does not match the layer's digest " + layer.payloadDigest;
    return check;
  }
  for (const auto& key : keys) {
    if (key.verifies(payload, layer.signature)) {
      check.key = key.name();
      break;
    }
  }
  if (check.key.empty()) {
    check.reason = "not signed by any of the keys (" + keyNames(keys) + ")";
    return check;
  }
  auto parsed = parseSimpleSigning(payload);
  if (!parsed) {
    check.reason = parsed.error().message;
    return check;
  }
  check.dockerReference = parsed->dockerReference;
  if (parsed->manifestDigest != manifestDigest) {
    check.reason = "it signs " + parsed->manifestDigest + ", not " + std::string(manifestDigest);
    return check;
  }
  if (repository) {
    auto signedAs = oci::parseImageReference(parsed->dockerReference);
    if (!signedAs || signedAs->repository() != *repository) {
      check.reason =
          "it was signed for " + parsed->dockerReference + ", not for " + std::string(*repository);
      return check;
    }
  }
  check.verified = true;
  return check;
}

}  // namespace berth::supplychain
