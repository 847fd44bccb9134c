#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "admission/registry_endpoint.h"
#include "common/config.h"
#include "common/result.h"

namespace berth::admission {

// Resolves a tag to the digest of the manifest it names. The seam between the webhook and the
// network, so that mutation is tested without a registry.
class DigestResolver {
 public:
  virtual ~DigestResolver() = default;
  // repository is a name inside the registry ("docker.io/library/nginx"); the answer is
  // "sha256:<hex>". Must give up by the deadline. Errors carry a message fit for a user.
  virtual common::Result<std::string> resolve(const std::string& repository, const std::string& tag,
                                              Deadline deadline) = 0;
};

// Asks a registry over HTTP(S): HEAD /v2/<repository>/manifests/<tag>, reading
// Docker-Content-Digest. Holds no connection between calls, so it is safe from any thread.
class RegistryDigestResolver : public DigestResolver {
 public:
  // baseUrl: "http://host:port" or "https://host:port". verifyTls is false only for this
  // process's own registry, reached over loopback under a name its certificate does not carry.
  // authorization: the Authorization header value sent with every lookup ("Basic ..."), or
  // empty for anonymous lookups.
  RegistryDigestResolver(std::string baseUrl, bool verifyTls, std::string authorization = {});
  common::Result<std::string> resolve(const std::string& repository, const std::string& tag,
                                      Deadline deadline) override;
  const RegistryEndpoint& endpoint() const { return endpoint_; }

 private:
  RegistryEndpoint endpoint_;
};

// The Authorization header for webhook.registryAuth ("" when unset). The password file is read
// here, once; config validation has already checked that it can be read.
common::Result<std::string> resolverAuthorization(const common::WebhookConfig& webhook);

// WebhookConfig.registryUrl, or the registry of this process (http or https by its TLS setting).
// With a port-0 registry listener the port is unknown here: set webhook.registryUrl then.
std::string registryUrlFor(const common::WebhookConfig& webhook,
                           const common::RegistryConfig& registry);

}  // namespace berth::admission
