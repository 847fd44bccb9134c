#include "admission/registry_source.h"

namespace berth::admission {

common::Result<std::string> registrySourceOf(const oci::ImageReference& image,
                                             const policy::LoadOptions& options) {
  const std::string repository = image.repository();
  const std::string& target = options.defaultRewriteTarget;
  if (repository.size() > target.size() + 1 && repository.compare(0, target.size(), target) == 0 &&
      repository[target.size()] == '/') {
    const std::string name = repository.substr(target.size() + 1);
    const auto slash = name.find('/');
    if (slash != std::string::npos) {
      if (const auto* up = policy::upstreamNamedBy(options.upstreams, name.substr(0, slash))) {
        return policy::cachedRepository(*up, name.substr(slash + 1));
      }
    }
    return name;
  }
  if (const auto* up = policy::upstreamAt(options.upstreams, image.domain)) {
    return policy::cachedRepository(*up, image.path);
  }
  return common::Error{common::ErrorCode::NotFound,
                       "cannot resolve " + image.str() + " to a digest: " + image.domain +
                           " is not a pull-through upstream of the registry, and only the "
                           "registry is asked"};
}

}  // namespace berth::admission
