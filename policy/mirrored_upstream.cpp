#include "policy/mirrored_upstream.h"

#include "common/config.h"
#include "common/oci/image_reference.h"

namespace berth::policy {
namespace {

std::string encodedHost(const MirroredUpstream& upstream) {
  return common::encodeUpstreamHost(oci::canonicalRegistryHost(upstream.host));
}

}  // namespace

const MirroredUpstream* upstreamNamedBy(const std::vector<MirroredUpstream>& upstreams,
                                        std::string_view component) {
  for (const auto& up : upstreams) {
    if (encodedHost(up) == component || (!up.alias.empty() && up.alias == component)) return &up;
  }
  return nullptr;
}

const MirroredUpstream* upstreamAt(const std::vector<MirroredUpstream>& upstreams,
                                   std::string_view host) {
  for (const auto& up : upstreams) {
    if (oci::canonicalRegistryHost(up.host) == host) return &up;
  }
  return nullptr;
}

std::string cachedRepository(const MirroredUpstream& upstream, std::string_view path) {
  return encodedHost(upstream) + "/" + std::string(path);
}

}  // namespace berth::policy
