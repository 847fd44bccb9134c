#include <ostream>

#include "common/args.h"
#include "server/commands.h"

#ifndef BERTH_VERSION
#define BERTH_VERSION "0.0.0"
#endif

namespace berth::server {

int versionCommand(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  common::Args args("berth version", "Print Berth's version.", {});
  if (auto exit = args.parseOrExit(argv, "berth version: ", out, err)) return *exit;
  out << "berth " << BERTH_VERSION << "\n";
  return 0;
}

}  // namespace berth::server
