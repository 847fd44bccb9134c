#pragma once

#include <iosfwd>

#include "registry/audit/summary.h"

namespace berth::registry {

// One row per image, action and user, aligned, sorted by repository, reference, action, user.
void writeAuditTable(const AuditSummary& summary, std::ostream& out);
// {"images":[{"repository","reference","digest","pull":{"count","last","users":[...]},...}]}
void writeAuditJson(const AuditSummary& summary, std::ostream& out);

}  // namespace berth::registry
