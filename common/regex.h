#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"

namespace berth::common {

inline constexpr int64_t kDefaultRegexMemory = int64_t{8} << 20;  // RE2's own default

// The one place RE2 is configured. Patterns come from users' YAML (policies, access rules):
// RE2 matches them in linear time, and its own error logging is off because an invalid pattern
// is reported once, by the loader, with where it was written.
RE2::Options regexOptions(int64_t maxMemoryBytes = kDefaultRegexMemory);

// Compiles `pattern` with regexOptions(); the error message is RE2's.
Result<std::shared_ptr<const RE2>> compileRegex(const std::string& pattern);

}  // namespace berth::common
