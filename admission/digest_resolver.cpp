#include "admission/digest_resolver.h"

#include "common/oci/image_reference.h"

namespace berth::admission {

RegistryDigestResolver::RegistryDigestResolver(std::string baseUrl, bool verifyTls,
                                               std::string authorization)
    : endpoint_(std::move(baseUrl), verifyTls, std::move(authorization)) {}

common::Result<std::string> RegistryDigestResolver::resolve(const std::string& repository,
                                                            const std::string& tag,
                                                            Deadline deadline) {
  const std::string what = "cannot resolve " + repository + ":" + tag + " to a digest";
  http::Request request;
  request.method = "HEAD";
  request.target = "/v2/" + repository + "/manifests/" + tag;
  request.headers.emplace("Accept", kManifestAccept);
  BERTH_TRY_ASSIGN(http::Response res, endpoint_.send(std::move(request), deadline, what));
  if (res.status != 200) {
    return common::Error{common::ErrorCode::Unavailable,
                         what + ": registry " + endpoint_.baseUrl() + " answered HTTP " +
                             std::to_string(res.status)};
  }
  const std::string digest = res.header("Docker-Content-Digest");
  if (!oci::isValidDigest(digest)) {
    return common::Error{
        common::ErrorCode::Unavailable,
        what + ": registry " + endpoint_.baseUrl() + " sent no valid Docker-Content-Digest"};
  }
  return digest;
}

common::Result<std::string> resolverAuthorization(const common::WebhookConfig& webhook) {
  return common::registryClientAuthorization(webhook.registryAuth, "webhook.registryAuth");
}

std::string registryUrlFor(const common::WebhookConfig& webhook,
                           const common::RegistryConfig& registry) {
  if (!webhook.registryUrl.empty()) return webhook.registryUrl;
  return (registry.tls.enabled() ? "https://" : "http://") + registry.listen;
}

}  // namespace berth::admission
