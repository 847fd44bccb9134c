#include "admission/digest_resolver.h"

#include <httplib.h>

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

RegistryDigestResolver::RegistryDigestResolver(std::string baseUrl, bool verifyTls,
                                               std::string authorization)
    : baseUrl_(std::move(baseUrl)),
      verifyTls_(verifyTls),
      authorization_(std::move(authorization)) {
  while (!baseUrl_.empty() && baseUrl_.back() == '/') baseUrl_.pop_back();
}

common::Result<std::string> RegistryDigestResolver::resolve(const std::string& repository,
                                                            const std::string& tag,
                                                            Deadline deadline) {
  const std::string what = repository + ":" + tag;
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) {
    return unavailable("cannot resolve " + what + " to a digest: no time left for the lookup");
  }
  const time_t seconds = static_cast<time_t>(left.count() / 1000000);
  const time_t micros = static_cast<time_t>(left.count() % 1000000);
  httplib::Client client(baseUrl_);
  if (!client.is_valid()) {
    return unavailable("cannot resolve " + what + ": bad registry URL " + baseUrl_);
  }
  client.set_connection_timeout(seconds, micros);
  client.set_read_timeout(seconds, micros);
  client.set_write_timeout(seconds, micros);
  client.enable_server_certificate_verification(verifyTls_);
  const std::string path = "/v2/" + repository + "/manifests/" + tag;
  httplib::Headers headers{{"Accept", kAccept}};
  if (!authorization_.empty()) headers.emplace("Authorization", authorization_);
  auto res = client.Head(path.c_str(), headers);
  if (!res) {
    return unavailable("cannot resolve " + what + " to a digest: registry " + baseUrl_ +
                       " unreachable (" + httplib::to_string(res.error()) + ")");
  }
  if (res->status != 200) {
    return unavailable("cannot resolve " + what + " to a digest: registry " + baseUrl_ +
                       " answered HTTP " + std::to_string(res->status));
  }
  const std::string digest = res->get_header_value("Docker-Content-Digest");
  if (!policy::isValidDigest(digest)) {
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
