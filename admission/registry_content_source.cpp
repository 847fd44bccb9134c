#include "admission/registry_content_source.h"

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

common::Result<std::vector<std::string>> RegistryContentSource::referrers(
    const std::string& repository, const std::string& digest, std::string_view artifactType) {
  const std::string what = "listing the referrers of " + repository + "@" + digest;
  http::Request request;
  request.target = "/v2/" + repository + "/referrers/" + digest + "?" +
                   http::encodeQuery({{"artifactType", std::string(artifactType)}});
  request.maxBodyBytes = kMaxManifestBytes;
  auto body = bodyOf(endpoint_.send(std::move(request), deadline_, what), what,
                     common::ErrorCode::NotFound);
  std::vector<std::string> digests;
  if (!body) {
    if (body.error().code == common::ErrorCode::NotFound) return digests;  // no referrers API
    return body.error();
  }
  const auto index = nlohmann::json::parse(*body, nullptr, false);
  const auto manifests = index.is_object() ? index.find("manifests") : index.end();
  if (index.is_discarded() || !index.is_object() || manifests == index.end() ||
      !manifests->is_array()) {
    return common::Error{common::ErrorCode::Unavailable, what + ": not an image index"};
  }
  for (const auto& descriptor : *manifests) {
    // Filtered here too: a registry may ignore the artifactType query.
    if (!descriptor.is_object() || descriptor.value("artifactType", "") != artifactType) continue;
    const auto found = descriptor.find("digest");
    if (found != descriptor.end() && found->is_string()) digests.push_back(*found);
  }
  return digests;
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
