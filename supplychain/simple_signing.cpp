#include "supplychain/simple_signing.h"

#include <nlohmann/json.hpp>

#include "common/oci/image_reference.h"

namespace berth::supplychain {

namespace {

common::Error payloadError(const std::string& detail) {
  return common::Error{common::ErrorCode::InvalidArgument, "signature payload: " + detail};
}

// The string at critical.<object>.<field>, or an error naming it.
common::Result<std::string> criticalString(const nlohmann::json& critical, const char* object,
                                           const char* field) {
  const std::string where = std::string("critical.") + object + "." + field;
  auto parent = critical.find(object);
  if (parent == critical.end() || !parent->is_object()) return payloadError(where + " is missing");
  auto value = parent->find(field);
  if (value == parent->end() || !value->is_string()) {
    return payloadError(where + " is missing or not a string");
  }
  return value->get<std::string>();
}

}  // namespace

common::Result<SimpleSigningPayload> parseSimpleSigning(std::string_view json) {
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return payloadError("not a JSON object");
  auto critical = doc.find("critical");
  if (critical == doc.end() || !critical->is_object()) {
    return payloadError("critical is missing");
  }
  auto type = critical->find("type");
  if (type == critical->end() || !type->is_string() || *type != kSimpleSigningType) {
    return payloadError("critical.type is not \"" + std::string(kSimpleSigningType) + "\"");
  }
  SimpleSigningPayload out;
  BERTH_TRY_ASSIGN(out.dockerReference, criticalString(*critical, "identity", "docker-reference"));
  BERTH_TRY_ASSIGN(out.manifestDigest,
                   criticalString(*critical, "image", "docker-manifest-digest"));
  if (!oci::isValidDigest(out.manifestDigest)) {
    return payloadError("critical.image.docker-manifest-digest is not a digest: " +
                        out.manifestDigest);
  }
  return out;
}

}  // namespace berth::supplychain
