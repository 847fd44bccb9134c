#pragma once

#include <nlohmann/json.hpp>

#include "policy/policy.h"

namespace berth::policy {

// The stable JSON form of a decision, as `berth policy test --output json` prints it and audit
// lines embed it. Documented in docs/POLICY.md; fields are only ever added.
nlohmann::json decisionToJson(const Decision& decision);

}  // namespace berth::policy
