#pragma once

#include <optional>
#include <string>

#include "registry/api/router.h"
#include "registry/audit/operation.h"

namespace berth::registry {

// The audit operation a request asks for, or none for requests that move no content (HEAD,
// listings, the steps of an upload session before its last), which are not audited. Named from
// the request alone, before authorization, so that a refused attempt is recorded like an
// allowed one.
std::optional<AuditOperation> auditedOperation(const Route& route, const std::string& method,
                                               bool mountParam, bool digestParam);

}  // namespace berth::registry
