#include "common/regex.h"

namespace berth::common {

RE2::Options regexOptions(int64_t maxMemoryBytes) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(maxMemoryBytes);
  return options;
}

Result<std::shared_ptr<const RE2>> compileRegex(const std::string& pattern) {
  auto compiled = std::make_shared<const RE2>(pattern, regexOptions());
  if (!compiled->ok()) return Error{ErrorCode::InvalidArgument, compiled->error()};
  return compiled;
}

}  // namespace berth::common
