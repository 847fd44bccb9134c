#include <iostream>
#include <string>
#include <vector>

#include "server/commands.h"

namespace {

constexpr const char* kUsage = R"(Usage: berth COMMAND [FLAGS]

An in-cluster OCI registry and image-policy engine for Kubernetes.

Commands:
  serve          run the registry and the admission webhooks
  policy check   check policy files and report every error
  policy test    show the decision for images in a namespace
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
  if (command == "version" || command == "--version") {
    return berth::server::versionCommand(std::cout);
  }
  std::cerr << "berth: unknown command '" << command << "'\n\n" << kUsage;
  return 2;
}
