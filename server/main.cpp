#include <iostream>
#include <string>
#include <vector>

#include "server/audit_command.h"
#include "server/commands.h"
#include "server/gc_command.h"
#include "webhook-certs/certs_command.h"

namespace {

constexpr const char* kUsage = R"(Usage: berth COMMAND [FLAGS]

An in-cluster OCI registry and image-policy engine for Kubernetes.

Commands:
  serve          run the registry and the admission webhooks
  policy check   check policy files and report every error
  policy test    show the decision for images in a namespace
  certs          generate or check the webhook's TLS certificates
  audit          summarise the registry audit log: who pulled or pushed which image
  gc             delete unreferenced blobs and expired uploads from registry storage
  version        print the version

Run 'berth COMMAND --help' for the flags of a command.
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
    std::cout << kUsage;
    return words.empty() ? 2 : 0;
  }
  const std::string command = words[0];
  const std::vector<std::string> rest(words.begin() + 1, words.end());
  if (command == "serve") return berth::server::serveCommand(rest);
  if (command == "policy") return berth::server::policyCommand(rest, std::cout, std::cerr);
  if (command == "audit") return berth::server::auditCommand(rest, std::cout, std::cerr);
  if (command == "gc") return berth::server::gcCommand(rest, std::cout, std::cerr);
  if (command == "certs") return berth::webhook_certs::certsCommand(rest, std::cout, std::cerr);
  if (command == "version" || command == "--version") {
    return berth::server::versionCommand(rest, std::cout, std::cerr);
  }
  std::cerr << "berth: unknown command '" << command << "'\n\n" << kUsage;
  return 2;
}
