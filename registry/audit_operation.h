#pragma once

#include <string>

#include "registry/router.h"

namespace berth::registry {

// The audit log's name for what a request asks to do with content: "pull-manifest",
// "pull-blob", "push-manifest", "push-blob", "mount-blob", "delete-manifest", "delete-tag",
// "delete-blob"; "" for requests that move no content (HEAD, listings, the steps of an upload
// session before its last), which are not audited. Named from the request alone, before
// authorization, so that a refused attempt is recorded like an allowed one.
std::string auditOperation(const Route& route, const std::string& method, bool mountParam,
                           bool digestParam);

}  // namespace berth::registry
