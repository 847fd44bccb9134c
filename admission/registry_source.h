#pragma once

#include <string>

#include "common/oci/image_reference.h"
#include "common/result.h"
#include "policy/loader.h"

namespace berth::admission {

// The repository inside Berth's registry that is the real source of `image`, for resolving its
// tag to a digest:
//   - under the default rewrite target, "<upstream>/<rest>" (an upstream's encoded host or its
//     alias) is that upstream's image, served by the pull-through cache as
//     "<encoded host>/<rest>"; any other name there is Berth's own repository "<name>";
//   - outside it, an image whose host is a pull-through upstream is served from the cache as
//     "<encoded host>/<path>".
// Anything else is not served by Berth: its tag is never looked up in a same-named repository
// of Berth's own, which anyone allowed to push could have planted. The error says why.
common::Result<std::string> registrySourceOf(const oci::ImageReference& image,
                                             const policy::LoadOptions& options);

}  // namespace berth::admission
