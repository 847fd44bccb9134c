#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace berth::webhook_certs {

// `berth certs generate|check ...`: the words after "certs". Returns the exit code: 0 success,
// 1 a check found problems or files could not be written, 2 a usage error.
int certsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace berth::webhook_certs
