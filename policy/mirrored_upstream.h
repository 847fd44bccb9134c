#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::policy {

// A pull-through upstream of the registry (registry.proxy.upstreams[]), as the policy and the
// webhook see it: which names stand for an upstream's images.
struct MirroredUpstream {
  std::string host;   // as in image references: "docker.io", "127.0.0.1:5001"
  std::string alias;  // an extra first path component that stands for the host; may be empty
};

// The upstream a first path component under the rewrite target names: its canonical host with
// the port encoded as "_" ("127.0.0.1_5001"), or its alias. Null for any other name.
const MirroredUpstream* upstreamNamedBy(const std::vector<MirroredUpstream>& upstreams,
                                        std::string_view component);
// The upstream whose canonical host is `host` (already canonical, as in an ImageReference).
const MirroredUpstream* upstreamAt(const std::vector<MirroredUpstream>& upstreams,
                                   std::string_view host);
// "<encoded canonical host>/<path>": where the registry caches the upstream's `path`.
std::string cachedRepository(const MirroredUpstream& upstream, std::string_view path);

}  // namespace berth::policy
