#include "registry/proxy/upstreams.h"

#include <algorithm>
#include <cctype>

namespace berth::registry {

std::string decodeUpstreamComponent(std::string_view component) {
  const auto underscore = component.rfind('_');
  if (underscore == std::string_view::npos || underscore == 0 ||
      underscore + 1 == component.size()) {
    return std::string(component);
  }
  const std::string_view port = component.substr(underscore + 1);
  const bool digits = std::all_of(
      port.begin(), port.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  if (!digits) return std::string(component);
  return std::string(component.substr(0, underscore)) + ":" + std::string(port);
}

UpstreamTable::UpstreamTable(const common::ProxyConfig& config) : upstreams_(config.upstreams) {}

std::string UpstreamTable::baseUrl(const common::ProxyUpstream& upstream) {
  std::string url = upstream.url;
  if (url.empty()) {
    url = upstream.host == "docker.io"
              ? "https://registry-1.docker.io"
              : (upstream.insecure ? "http://" : "https://") + upstream.host;
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

const common::ProxyUpstream* UpstreamTable::byHost(std::string_view host) const {
  for (const auto& up : upstreams_) {
    if (up.host == host) return &up;
  }
  return nullptr;
}

const common::ProxyUpstream* UpstreamTable::byComponent(std::string_view component) const {
  for (const auto& up : upstreams_) {
    if (common::encodeUpstreamHost(up.host) == component) return &up;
    if (!up.alias.empty() && up.alias == component) return &up;
  }
  return byHost(decodeUpstreamComponent(component));
}

std::optional<UpstreamTarget> UpstreamTable::resolve(std::string_view name,
                                                     std::string_view ns) const {
  if (!ns.empty()) {
    const common::ProxyUpstream* up = byHost(ns);
    if (up == nullptr) up = byComponent(ns);
    if (up == nullptr) return std::nullopt;
    return UpstreamTarget{up, std::string(name),
                          common::encodeUpstreamHost(up->host) + "/" + std::string(name)};
  }
  const auto slash = name.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const common::ProxyUpstream* up = byComponent(name.substr(0, slash));
  if (up == nullptr) return std::nullopt;
  const std::string remote(name.substr(slash + 1));
  return UpstreamTarget{up, remote, common::encodeUpstreamHost(up->host) + "/" + remote};
}

bool UpstreamTable::isProxiedRepository(std::string_view storeName) const {
  const auto slash = storeName.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view first = storeName.substr(0, slash);
  return std::any_of(upstreams_.begin(), upstreams_.end(), [&](const common::ProxyUpstream& up) {
    return common::encodeUpstreamHost(up.host) == first;
  });
}

}  // namespace berth::registry
