#include "admission/registry_source.h"

namespace berth::admission {
namespace {

const policy::MirroredUpstream* upstreamByComponent(const policy::LoadOptions& options,
                                                    const std::string& component) {
  for (const auto& up : options.upstreams) {
    if (common::encodeUpstreamHost(policy::canonicalRegistryHost(up.host)) == component ||
        (!up.alias.empty() && up.alias == component)) {
      return &up;
    }
  }
  return nullptr;
}

const policy::MirroredUpstream* upstreamByHost(const policy::LoadOptions& options,
                                               const std::string& host) {
  for (const auto& up : options.upstreams) {
    if (policy::canonicalRegistryHost(up.host) == host) return &up;
  }
  return nullptr;
}

std::string cachedName(const policy::MirroredUpstream& upstream, const std::string& path) {
  return common::encodeUpstreamHost(policy::canonicalRegistryHost(upstream.host)) + "/" + path;
}

}  // namespace

common::Result<std::string> registrySourceOf(const policy::ImageReference& image,
                                             const policy::LoadOptions& options) {
  const std::string repository = image.repository();
  const std::string& target = options.defaultRewriteTarget;
  if (repository.size() > target.size() + 1 && repository.compare(0, target.size(), target) == 0 &&
      repository[target.size()] == '/') {
    const std::string name = repository.substr(target.size() + 1);
    const auto slash = name.find('/');
    if (slash != std::string::npos) {
      if (const auto* up = upstreamByComponent(options, name.substr(0, slash))) {
        return cachedName(*up, name.substr(slash + 1));
      }
    }
    return name;
  }
  if (const auto* up = upstreamByHost(options, image.domain)) return cachedName(*up, image.path);
  return common::Error{common::ErrorCode::NotFound,
                       "cannot resolve " + image.str() + " to a digest: " + image.domain +
                           " is not a pull-through upstream of the registry, and only the "
                           "registry is asked"};
}

}  // namespace berth::admission
