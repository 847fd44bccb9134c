#include <ostream>

#include "server/commands.h"

namespace berth::server {

int policyCommand(const std::vector<std::string>&, std::ostream&, std::ostream& err) {
  err << "berth policy: not built yet\n";
  return 2;
}

}  // namespace berth::server
