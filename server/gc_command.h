#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace berth::server {

// `berth gc --storage DIR [--dry-run] [--grace-period SECONDS] [--upload-expiry SECONDS]`:
// removes blobs no manifest references and expired upload sessions. Returns the exit code.
int gcCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace berth::server
