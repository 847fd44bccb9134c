#include "admission/digest_resolver.h"

#include "common/http/client.h"
#include "common/oci/image_reference.h"

namespace berth::admission {
namespace {

// Manifests and indexes in both the OCI and the Docker media types: without them a registry may
// answer with a schema-1 manifest whose digest differs from what the kubelet pulls.
constexpr const char* kAccept =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

common::Error unavailable(std::string message) {
  return common::Error{common::ErrorCode::Unavailable, std::move(message)};
}

}  // namespace

namespace {

std::string withoutTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

http::ClientOptions clientOptions(bool verifyTls) {
  http::ClientOptions options;
  options.tls.insecureSkipVerify = !verifyTls;
  // One connection per lookup: the client does not retry on a parked connection the registry
  // has just closed, and a failed lookup is a denied Pod.
  options.maxIdleConnections = 0;
  return options;
}

}  // namespace

RegistryDigestResolver::RegistryDigestResolver(std::string baseUrl, bool verifyTls,
                                               std::string authorization)
    : baseUrl_(withoutTrailingSlashes(std::move(baseUrl))),
      authorization_(std::move(authorization)),
      client_(http::Client::create(baseUrl_, clientOptions(verifyTls))) {}

common::Result<std::string> RegistryDigestResolver::resolve(const std::string& repository,
                                                            const std::string& tag,
                                                            Deadline deadline) {
  const std::string what = repository + ":" + tag;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) {
    return unavailable("cannot resolve " + what + " to a digest: no time left for the lookup");
  }
  if (!client_) {
    return unavailable("cannot resolve " + what + ": bad registry URL " + baseUrl_);
  }
  http::Request request;
  request.method = "HEAD";
  request.target = "/v2/" + repository + "/manifests/" + tag;
  request.headers.emplace("Accept", kAccept);
  if (!authorization_.empty()) request.headers.emplace("Authorization", authorization_);
  request.timeout = left;  // each wait, so the lookup gives up by the deadline
  auto res = client_->send(request);
  if (!res) {
    return unavailable("cannot resolve " + what + " to a digest: registry " + baseUrl_ +
                       " unreachable (" + res.error().message + ")");
  }
  if (res->status != 200) {
    return unavailable("cannot resolve " + what + " to a digest: registry " + baseUrl_ +
                       " answered HTTP " + std::to_string(res->status));
  }
  const std::string digest = res->header("Docker-Content-Digest");
  if (!oci::isValidDigest(digest)) {
    return unavailable("cannot resolve " + what + " to a digest: registry " + baseUrl_ +
                       " sent no valid Docker-Content-Digest");
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
