#include <memory>
#include <ostream>

#include "common/args.h"
#include "common/oci/image_reference.h"
#include "policy/compiled_policy.h"
#include "policy/decision_json.h"
#include "policy/engine.h"
#include "policy/loader.h"
#include "server/commands.h"
#include "server/content_check.h"

namespace berth::server {
namespace {

constexpr const char* kPolicyUsage = R"(Usage: berth policy check PATH...
       berth policy test --policy PATH --namespace NS --image REF [FLAGS]

  check   load policy files or directories and report every error (exit 1 when any)
  test    print the decision for each --image in a namespace
)";

int checkCommand(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  common::Args args("berth policy check PATH...",
                    "Loads each policy file or directory (as Kubernetes mounts a ConfigMap) and\n"
                    "reports every error with its file, line and column. Exits 1 on any error.",
                    {{"rewrite-target", "HOST[:PORT][/PATH]", "default rewrite target"}});
  if (auto exit = args.parseOrExit(argv, "berth policy check: ", out, err, true)) return *exit;
  if (args.positional().empty()) {
    err << "berth policy check: name at least one policy file or directory\n";
    return 2;
  }
  policy::LoadOptions options;
  if (auto target = args.get("rewrite-target")) options.defaultRewriteTarget = *target;
  int status = 0;
  for (const auto& path : args.positional()) {
    auto loaded = policy::loadPolicyPath(path, options);
    if (!loaded) {
      err << loaded.error().message << "\n";
      status = 1;
      continue;
    }
    const auto& snapshot = *loaded.value();
    size_t rules = 0;
    for (const auto& doc : snapshot.documents) rules += doc.rules.size();
    out << path << ": ok (" << snapshot.files.size() << " file(s), " << snapshot.documents.size()
        << " polic" << (snapshot.documents.size() == 1 ? "y" : "ies") << ", " << rules
        << " rule(s))\n";
  }
  return status;
}

bool parseOperation(const std::string& text, policy::Operation& op) {
  if (text == "admit")
    op = policy::Operation::Admit;
  else if (text == "push")
    op = policy::Operation::Push;
  else if (text == "pull")
    op = policy::Operation::Pull;
  else
    return false;
  return true;
}

// For push and pull the image is a repository inside Berth's registry ("release/app:1.0"),
// judged the way the registry judges it.
common::Result<policy::Decision> evaluateRegistryImage(const policy::CompiledPolicy& policy,
                                                       const std::string& image,
                                                       policy::Operation op) {
  std::string repository = image;
  std::string reference = "latest";
  if (const auto at = image.find('@'); at != std::string::npos) {
    repository = image.substr(0, at);
    reference = image.substr(at + 1);
  } else if (const auto colon = image.rfind(':');
             colon != std::string::npos && image.find('/', colon) == std::string::npos) {
    repository = image.substr(0, colon);
    reference = image.substr(colon + 1);
  }
  if (!oci::isValidRepositoryPath(repository)) {
    return common::Error{common::ErrorCode::InvalidArgument,
                         "invalid repository name '" + repository +
                             "' (for --operation push or pull, give NAME:TAG as pushed to Berth)"};
  }
  return policy::evaluateForRegistry(policy, repository, reference, op);
}

void printText(const policy::Decision& d, std::ostream& out) {
  out << d.image << ": " << policy::verdictName(d.verdict);
  if (d.rewritten) out << " -> " << *d.rewritten;
  out << " (" << (d.rule ? "rule " + *d.rule : std::string("default"));
  if (d.policy) out << " of policy " << *d.policy;
  out << ", mode " << policy::modeName(d.mode) << "): " << d.reason << "\n";
  if (d.pin) out << "  pin: resolve the tag to a digest\n";
  if (d.immutable) out << "  immutable tag (rule " << d.immutableRule.value_or("") << ")\n";
  for (const auto& w : d.warnings) {
    out << "  warning: " << w.policy << "/" << w.rule << ": " << w.message << "\n";
  }
  for (const auto& a : d.audits) {
    out << "  audit: " << a.policy << "/" << a.rule << ": " << a.message << "\n";
  }
}

int testCommand(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  common::Args args(
      "berth policy test --policy PATH --namespace NS --image REF [--image REF...] [FLAGS]",
      "Prints the decision the policy makes for each image. With --output json, one JSON\n"
      "object per image per line (a stable contract, see docs/POLICY.md).",
      {{"policy", "PATH", "policy file or directory (required)"},
       {"namespace", "NS", "namespace of the workload (default: default)"},
       {"image", "REF", "image reference to judge", true},
       {"operation", "OP", "admit, push or pull (default admit)"},
       {"output", "FORMAT", "text or json (default text)"},
       {"rewrite-target", "HOST[:PORT][/PATH]", "default rewrite target"},
       {"upstream", "HOST",
        "a pull-through upstream of the registry (registry.proxy.upstreams[].host): only these "
        "are judged as mirrored images under the rewrite target",
        true},
       {"registry", "URL",
        "Berth's registry (http(s)://HOST:PORT): check each verify-signature and "
        "check-vulnerabilities gate against it and show every signature and report found"},
       {"insecure", "", "with --registry: do not verify the registry's TLS certificate"}});
  if (auto exit = args.parseOrExit(argv, "berth policy test: ", out, err)) return *exit;
  const auto path = args.get("policy");
  if (!path) {
    err << "berth policy test: --policy is required\n";
    return 2;
  }
  const auto images = args.all("image");
  if (images.empty()) {
    err << "berth policy test: give at least one --image\n";
    return 2;
  }
  policy::Operation op = policy::Operation::Admit;
  if (auto text = args.get("operation"); text && !parseOperation(*text, op)) {
    err << "berth policy test: unknown operation '" << *text << "' (use admit, push or pull)\n";
    return 2;
  }
  const std::string output = args.get("output").value_or("text");
  if (output != "text" && output != "json") {
    err << "berth policy test: unknown output '" << output << "' (use text or json)\n";
    return 2;
  }
  policy::LoadOptions options;
  if (auto target = args.get("rewrite-target")) options.defaultRewriteTarget = *target;
  for (const auto& host : args.all("upstream")) options.upstreams.push_back({host, ""});
  auto loaded = policy::loadPolicyPath(*path, options);
  if (!loaded) {
    err << loaded.error().message << "\n";
    return 1;
  }
  const std::string ns = args.get("namespace").value_or("default");
  std::unique_ptr<admission::RegistryDigestResolver> registry;
  if (auto url = args.get("registry")) {
    registry = std::make_unique<admission::RegistryDigestResolver>(*url, !args.has("insecure"));
  }
  int status = 0;
  for (const auto& image : images) {
    auto decision = op == policy::Operation::Admit
                        ? policy::evaluate(*loaded.value(), image, ns, op)
                        : evaluateRegistryImage(*loaded.value(), image, op);
    if (!decision) {
      err << "berth policy test: " << decision.error().message << "\n";
      status = 1;
      continue;
    }
    nlohmann::json json = policy::decisionToJson(*decision);
    nlohmann::json checks;
    if (registry) {
      checks = checkContent(*decision, image, options, *registry);
      json.update(checks);
    }
    if (output == "json") {
      out << json.dump() << "\n";
    } else {
      printText(*decision, out);
      if (registry) printContentChecks(checks, out);
    }
  }
  return status;
}

}  // namespace

int policyCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? err : out) << kPolicyUsage;
    return args.empty() ? 2 : 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "check") return checkCommand(rest, out, err);
  if (args[0] == "test") return testCommand(rest, out, err);
  err << "berth policy: unknown subcommand '" << args[0] << "'\n" << kPolicyUsage;
  return 2;
}

}  // namespace berth::server
