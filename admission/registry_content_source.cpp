#include "admission/registry_content_source.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/http/url.h"

namespace berth::admission {
namespace {

// A signature manifest lists at most a few dozen layers; anything larger is refused unread.
constexpr size_t kMaxManifestBytes = 4 << 20;

common::Result<std::string> bodyOf(common::Result<http::Response> res, const std::string& what,
                                   common::ErrorCode absent) {
  if (!res) {
    if (res.error().code == common::ErrorCode::PayloadTooLarge) {
      return common::Error{common::ErrorCode::PayloadTooLarge, what + ": too large"};
    }
    return res.error();
  }
  if (res->status == 404) return common::Error{absent, what + ": not found"};
  if (res->status != 200) {
    return common::Error{common::ErrorCode::Unavailable,
                         what + ": the registry answered HTTP " + std::to_string(res->status)};
  }
  return std::move(res->body);
}

}  // namespace

common::Result<std::string> RegistryContentSource::manifest(const std::string& repository,
                                                            const std::string& reference) {
  const std::string what = "reading " + repository + ":" + reference;
  http::Request request;
  request.target = "/v2/" + repository + "/manifests/" + reference;
  request.headers.emplace("Accept", kManifestAccept);
  request.maxBodyBytes = kMaxManifestBytes;
  return bodyOf(endpoint_.send(std::move(request), deadline_, what), what,
                common::ErrorCode::ManifestUnknown);
}

common::Result<std::vector<supplychain::Referrer>> RegistryContentSource::referrers(
    const std::string& repository, const std::string& digest,
    const std::vector<std::string_view>& artifactTypes) {
  const std::string what = "listing the referrers of " + repository + "@" + digest;
  http::Request request;
  request.target = "/v2/" + repository + "/referrers/" + digest;
  // The API filters by one type; for several, the whole list is read and filtered here.
  if (artifactTypes.size() == 1) {
    request.target += "?" + http::encodeQuery({{"artifactType", std::string(artifactTypes[0])}});
  }
  request.maxBodyBytes = kMaxManifestBytes;
  auto body = bodyOf(endpoint_.send(std::move(request), deadline_, what), what,
                     common::ErrorCode::NotFound);
  std::vector<supplychain::Referrer> found;
  if (!body) {
    if (body.error().code == common::ErrorCode::NotFound) return found;  // no referrers API
    return body.error();
  }
  const auto index = nlohmann::json::parse(*body, nullptr, false);
  const auto manifests = index.is_object() ? index.find("manifests") : index.end();
  if (index.is_discarded() || !index.is_object() || manifests == index.end() ||
      !manifests->is_array()) {
    return common::Error{common::ErrorCode::Unavailable, what + ": not an image index"};
  }
  for (const auto& descriptor : *manifests) {
    if (!descriptor.is_object()) continue;
    const auto type = descriptor.find("artifactType");
    const auto digestField = descriptor.find("digest");
    if (type == descriptor.end() || !type->is_string() || digestField == descriptor.end() ||
        !digestField->is_string()) {
      continue;
    }
    // Filtered here too: a registry may ignore the artifactType query.
    const std::string& artifactType = type->get_ref<const std::string&>();
    if (std::find(artifactTypes.begin(), artifactTypes.end(), artifactType) ==
        artifactTypes.end()) {
      continue;
    }
    found.push_back({digestField->get<std::string>(), artifactType});
  }
  return found;
}

common::Result<std::string> RegistryContentSource::blob(const std::string& repository,
                                                        const std::string& digest,
                                                        uint64_t maxBytes) {
  const std::string what = "reading " + repository + "@" + digest;
  http::Request request;
  request.target = "/v2/" + repository + "/blobs/" + digest;
  request.maxBodyBytes = static_cast<size_t>(maxBytes);
  return bodyOf(endpoint_.send(std::move(request), deadline_, what), what,
                common::ErrorCode::BlobUnknown);
}

}  // namespace berth::admission
