#include "admission/registry_content_source.h"

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
