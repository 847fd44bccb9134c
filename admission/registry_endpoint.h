#pragma once

#include <chrono>
#include <string>

#include "common/http/client.h"
#include "common/result.h"

namespace berth::admission {

using Deadline = std::chrono::steady_clock::time_point;

// Berth's registry as the webhooks reach it: one base URL, the Authorization sent with every
// request, one client. Holds no connection between calls, so it is safe from any thread.
class RegistryEndpoint {
 public:
  // baseUrl: "http://host:port" or "https://host:port". verifyTls is false only for this
  // process's own registry, reached over loopback under a name its certificate does not carry.
  // authorization: the Authorization header value ("Basic ..."), or empty for anonymous calls.
  RegistryEndpoint(std::string baseUrl, bool verifyTls, std::string authorization = {});

  // Sends `request` with the Authorization added, giving up by `deadline`. Failing to get an
  // answer is an Unavailable error that starts with `what` and names the registry.
  common::Result<http::Response> send(http::Request request, Deadline deadline,
                                      const std::string& what) const;
  const std::string& baseUrl() const { return baseUrl_; }

 private:
  std::string baseUrl_;
  std::string authorization_;
  // An error when baseUrl is not http(s)://HOST[:PORT], reported by each call.
  common::Result<http::Client> client_;
};

// Manifests and indexes in both the OCI and the Docker media types: without them a registry may
// answer with a schema-1 manifest whose digest differs from what the kubelet pulls.
inline constexpr const char* kManifestAccept =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

}  // namespace berth::admission
