#include <ostream>

#include "server/commands.h"

#ifndef BERTH_VERSION
#define BERTH_VERSION "0.0.0"
#endif

namespace berth::server {

int versionCommand(std::ostream& out) {
  out << "berth " << BERTH_VERSION << "\n";
  return 0;
}

}  // namespace berth::server
