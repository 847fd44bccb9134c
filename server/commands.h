#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace berth::server {

// Each subcommand takes the words after its name and returns the process exit code.
int serveCommand(const std::vector<std::string>& args);
int policyCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int versionCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace berth::server
