#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace berth::server {

// `berth audit [--since DURATION_OR_TIME] [--log FILE] [--output table|json]`: who pulled and
// pushed which image, how often, when last. Returns the exit code: 0, 1 when the log cannot be
// read, 2 for usage errors.
int auditCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace berth::server
