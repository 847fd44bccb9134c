#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"

namespace berth::registry {

// Where a proxied request goes: the configured upstream, the repository as the upstream names
// it, and the repository our store keeps the cached content under.
struct UpstreamTarget {
  const common::ProxyUpstream* upstream = nullptr;
  std::string remoteName;  // "library/nginx"
  std::string storeName;   // "docker.io/library/nginx", "127.0.0.1_5001/team/app"
};

// The configured upstreams, by every name a request may use for them. Immutable after
// construction, so handler threads share it freely.
class UpstreamTable {
 public:
  explicit UpstreamTable(const common::ProxyConfig& config);

  // `name` is the repository of the request, `ns` its `?ns=` parameter (the containerd mirror
  // form, "" when absent). Nothing when the request is for an ordinary local repository.
  std::optional<UpstreamTarget> resolve(std::string_view name, std::string_view ns) const;
  // True when a stored repository holds cached upstream content (its first component names an
  // upstream in the encoded form).
  bool isProxiedRepository(std::string_view storeName) const;
  // The upstream's base URL: the configured one, else https://<host> (docker.io: Docker Hub's
  // registry host).
  static std::string baseUrl(const common::ProxyUpstream& upstream);

 private:
  const common::ProxyUpstream* byComponent(std::string_view component) const;
  const common::ProxyUpstream* byHost(std::string_view host) const;

  std::vector<common::ProxyUpstream> upstreams_;
};

// "127.0.0.1_5001" -> "127.0.0.1:5001": a trailing "_<digits>" is the port. Other text is
// returned unchanged.
std::string decodeUpstreamComponent(std::string_view component);

}  // namespace berth::registry
