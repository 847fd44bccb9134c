#include "registry/proxy/upstream_connections.h"

#include "registry/proxy/upstreams.h"

namespace berth::registry {

namespace {

// As containerd and distribution do: enough for a registry that sends blobs to a CDN, which may
// redirect once more, with room to spare.
constexpr int kMaxRedirects = 5;

}  // namespace

UpstreamConnections::UpstreamConnections(int64_t timeoutSeconds)
    : timeoutSeconds_(timeoutSeconds) {}

http::ClientOptions UpstreamConnections::options(bool insecure, int maxRedirects) const {
  http::ClientOptions out;
  out.connectTimeout = out.readTimeout = out.writeTimeout = std::chrono::seconds(timeoutSeconds_);
  out.tls.insecureSkipVerify = insecure;
  out.maxRedirects = maxRedirects;
  return out;
}

common::Result<const http::Client*> UpstreamConnections::upstream(
    const common::ProxyUpstream& upstream) {
  const std::string base = UpstreamTable::baseUrl(upstream);
  const std::string key = (upstream.insecure ? "insecure " : "") + base;
  std::lock_guard lock(mutex_);
  if (auto it = clients_.find(key); it != clients_.end()) return &it->second;
  auto client = http::Client::create(base, options(upstream.insecure, kMaxRedirects));
  if (!client) {
    return common::Error{common::ErrorCode::Unavailable, "upstream registry URL is not usable",
                         client.error().message};
  }
  return &clients_.emplace(key, std::move(*client)).first->second;
}

common::Result<http::Client> UpstreamConnections::oneOff(const std::string& origin,
                                                         bool insecure) const {
  http::ClientOptions one = options(insecure, 0);
  one.maxIdleConnections = 0;
  return http::Client::create(origin, std::move(one));
}

}  // namespace berth::registry
