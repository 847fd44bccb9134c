#pragma once

#include <string>

namespace berth::registry {

// Whether an upstream's credentials may travel to a URL the upstream named: a token realm
// from a `WWW-Authenticate: Bearer` challenge, or the upstream itself for a Basic challenge.
struct CredentialRoute {
  bool allowed = false;
  std::string reason;  // why not, for the log; "" when allowed
};

// The rule: over HTTPS anywhere (a realm on another host, like auth.docker.io for
// registry-1.docker.io, is how registries work); over plain HTTP only to the upstream's own
// host, and only when the upstream is configured `insecure`. A plain-HTTP realm is otherwise
// readable and forgeable by anyone on the path, and an upstream could name any host as its
// realm. `upstreamBaseUrl` is the URL Berth reaches the upstream at (UpstreamTable::baseUrl).
CredentialRoute credentialRoute(const std::string& upstreamBaseUrl, bool upstreamInsecure,
                                const std::string& url);

// The host of an http(s) URL, lower-cased, without port, user info or IPv6 brackets; "" when
// the text is not an http(s) URL with a host.
std::string urlHost(const std::string& url);

}  // namespace berth::registry
