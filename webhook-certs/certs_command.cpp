#include "webhook-certs/certs_command.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <ostream>

#include "common/args.h"
#include "common/base64.h"
#include "webhook-certs/cert_checker.h"
#include "webhook-certs/cert_generator.h"
#include "webhook-certs/openssl_util.h"

namespace berth::webhook_certs {
namespace {

constexpr const char* kUsage =
    R"(Usage: berth certs generate --service NAME --namespace NS --out DIR [FLAGS]
       berth certs check --cert FILE [--ca FILE] [--service NAME --namespace NS] [--min-days N]

  generate   create a CA and a webhook serving certificate signed by it
  check      report expiry, chain and name problems of a serving certificate (exit 1 on any)
)";
constexpr int kMaxDays = 36500;

// Parses a whole non-negative decimal number no larger than `max`.
bool parseCount(const std::string& text, int max, int& out) {
  if (text.empty() || text.size() > 9) return false;
  int value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value > max) return false;
  out = value;
  return true;
}

// Writes through a temporary name and a rename, so a server watching the directory never reads
// half a file, and with the final mode from the start (keys are never world-readable).
common::Status writeFileAtomically(const std::filesystem::path& path, const std::string& content,
                                   mode_t mode) {
  const std::string tmp = path.string() + ".tmp." + std::to_string(getpid());
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  auto failure = [&](const std::string& what) {
    return common::Error{common::ErrorCode::Unavailable,
                         "cannot " + what + " " + path.string() + ": " + std::strerror(errno)};
  };
  if (fd < 0) return failure("write");
  bool ok = fchmod(fd, mode) == 0;
  size_t written = 0;
  while (ok && written < content.size()) {
    const ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n <= 0) {
      ok = false;
      break;
    }
    written += static_cast<size_t>(n);
  }
  ok = fsync(fd) == 0 && ok;
  if (close(fd) != 0 || !ok) {
    auto error = failure("write");
    unlink(tmp.c_str());
    return error;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    auto error = failure("rename into");
    unlink(tmp.c_str());
    return error;
  }
  return {};
}

std::string secretYaml(const std::string& name, const std::string& namespaceName,
                       const GeneratedCertificates& certs) {
  return "apiVersion: v1\n"
         "kind: Secret\n"
         "metadata:\n"
         "  name: " +
         name +
         "\n"
         "  namespace: " +
         namespaceName +
         "\n"
         "type: kubernetes.io/tls\n"
         "data:\n"
         "  tls.crt: " +
         common::base64Encode(certs.certPem) +
         "\n"
         "  tls.key: " +
         common::base64Encode(certs.keyPem) +
         "\n"
         "  ca.crt: " +
         common::base64Encode(certs.caCertPem) + "\n";
}

int generateCommand(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  common::Args args(
      "berth certs generate --service NAME --namespace NS --out DIR [FLAGS]",
      "Creates a CA and a serving certificate for the webhook Service, valid for the names\n"
      "NAME, NAME.NS, NAME.NS.svc and NAME.NS.svc.cluster.local (plus --dns), and writes\n"
      "ca.crt, ca.key, tls.crt and tls.key (keys with mode 0600) into DIR.",
      {{"service", "NAME", "the webhook Service's name"},
       {"namespace", "NS", "the Service's namespace"},
       {"dns", "NAME", "an extra DNS name", true},
       {"ip", "ADDRESS", "an IP address SAN (IPv4 or IPv6)", true},
       {"days", "N", "validity in days (default 365)"},
       {"key-type", "TYPE", "ecdsa (P-256, default) or rsa (2048 bits)"},
       {"out", "DIR", "directory for the files (created if missing)"},
       {"secret", "", "print a kubernetes.io/tls Secret YAML with the three files"},
       {"secret-name", "NAME", "the Secret's name with --secret (default NAME-tls)"},
       {"ca-bundle", "", "print the base64 CA bundle for caBundle fields"}});
  const char* prefix = "berth certs generate: ";
  if (auto exit = args.parseOrExit(argv, prefix, out, err)) return *exit;
  for (const char* required : {"service", "namespace", "out"}) {
    if (!args.get(required)) {
      err << prefix << "--" << required << " is required\n";
      return 2;
    }
  }
  CertificateRequest request;
  request.service = *args.get("service");
  request.namespaceName = *args.get("namespace");
  if (!isDnsLabel(request.service)) {
    err << prefix << "--service '" << request.service
        << "' is not a valid Service name (lowercase letters, digits and '-', at most 63)\n";
    return 2;
  }
  if (!isDnsLabel(request.namespaceName)) {
    err << prefix << "--namespace '" << request.namespaceName
        << "' is not a valid namespace name (lowercase letters, digits and '-', at most 63)\n";
    return 2;
  }
  for (const auto& dns : args.all("dns")) {
    if (!isDnsName(dns)) {
      err << prefix << "--dns '" << dns << "' is not a valid DNS name\n";
      return 2;
    }
    request.extraDnsNames.push_back(dns);
  }
  for (const auto& ip : args.all("ip")) {
    unsigned char buffer[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, ip.c_str(), buffer) != 1 &&
        inet_pton(AF_INET6, ip.c_str(), buffer) != 1) {
      err << prefix << "--ip '" << ip << "' is not an IPv4 or IPv6 address\n";
      return 2;
    }
    request.ipAddresses.push_back(ip);
  }
  if (auto days = args.get("days")) {
    if (!parseCount(*days, kMaxDays, request.days) || request.days == 0) {
      err << prefix << "--days must be a whole number from 1 to " << kMaxDays << ", not '" << *days
          << "'\n";
      return 2;
    }
  }
  if (auto type = args.get("key-type")) {
    if (*type == "rsa") {
      request.keyType = KeyType::Rsa;
    } else if (*type != "ecdsa") {
      err << prefix << "--key-type must be ecdsa or rsa, not '" << *type << "'\n";
      return 2;
    }
  }
  if (args.has("secret") && args.has("ca-bundle")) {
    err << prefix << "--secret and --ca-bundle both print to standard output: choose one\n";
    return 2;
  }
  if (args.has("secret-name") && !args.has("secret")) {
    err << prefix << "--secret-name needs --secret\n";
    return 2;
  }
  const std::filesystem::path dir = *args.get("out");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    err << prefix << "cannot create the directory " << dir.string()
        << (ec ? ": " + ec.message() : std::string(": a file is in the way")) << "\n";
    return 1;
  }
  auto generated = generateCertificates(request);
  if (!generated) {
    err << prefix << generated.error().message << "\n";
    return 1;
  }
  const GeneratedCertificates& certs = *generated;
  const struct {
    const char* name;
    const std::string& content;
    mode_t mode;
  } files[] = {{"ca.crt", certs.caCertPem, 0644},
               {"ca.key", certs.caKeyPem, 0600},
               {"tls.crt", certs.certPem, 0644},
               {"tls.key", certs.keyPem, 0600}};
  for (const auto& file : files) {
    if (auto written = writeFileAtomically(dir / file.name, file.content, file.mode); !written) {
      err << prefix << written.error().message << "\n";
      return 1;
    }
  }
  // With --secret or --ca-bundle standard output is for the machine-readable text only.
  std::ostream& summary = args.has("secret") || args.has("ca-bundle") ? err : out;
  summary << "wrote " << (dir / "ca.crt").string() << ", ca.key, tls.crt, tls.key for "
          << serviceDnsNames(request.service, request.namespaceName)[2] << " (valid "
          << request.days << " days)\n";
  if (args.has("secret")) {
    out << secretYaml(args.get("secret-name").value_or(request.service + "-tls"),
                      request.namespaceName, certs);
  }
  if (args.has("ca-bundle")) out << common::base64Encode(certs.caCertPem) << "\n";
  return 0;
}

int checkCommand(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  common::Args args(
      "berth certs check --cert FILE [--ca FILE] [--service NAME --namespace NS] [--min-days N]",
      "Reports the serving certificate's expiry, its chain to the CA and the Service names it\n"
      "covers. Exits 1 when anything is wrong.",
      {{"cert", "FILE", "serving certificate (PEM, leaf first)"},
       {"ca", "FILE", "CA bundle to verify the chain against"},
       {"service", "NAME", "the webhook Service's name (with --namespace)"},
       {"namespace", "NS", "the Service's namespace (with --service)"},
       {"min-days", "N", "fail when fewer days are left (default 0: only when expired)"}});
  const char* prefix = "berth certs check: ";
  if (auto exit = args.parseOrExit(argv, prefix, out, err)) return *exit;
  if (!args.get("cert")) {
    err << prefix << "--cert is required\n";
    return 2;
  }
  if (args.has("service") != args.has("namespace")) {
    err << prefix << "--service and --namespace go together\n";
    return 2;
  }
  CheckRequest request;
  request.certFile = *args.get("cert");
  request.caFile = args.get("ca").value_or("");
  request.service = args.get("service").value_or("");
  request.namespaceName = args.get("namespace").value_or("");
  if (auto minDays = args.get("min-days")) {
    if (!parseCount(*minDays, kMaxDays, request.minDays)) {
      err << prefix << "--min-days must be a whole number from 0 to " << kMaxDays << ", not '"
          << *minDays << "'\n";
      return 2;
    }
  }
  auto report = checkCertificate(request);
  if (!report) {
    err << prefix << report.error().message << "\n";
    return 2;
  }
  for (const auto& fact : report->facts) out << fact << "\n";
  for (const auto& problem : report->problems) out << "problem: " << problem << "\n";
  out << (report->ok() ? "ok\n" : "FAILED\n");
  return report->ok() ? 0 : 1;
}

}  // namespace

int certsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kUsage;
    return 2;
  }
  const std::string& sub = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "generate") return generateCommand(rest, out, err);
  if (sub == "check") return checkCommand(rest, out, err);
  if (sub == "--help" || sub == "-h" || sub == "help") {
    out << kUsage;
    return 0;
  }
  err << "berth certs: unknown subcommand '" << sub << "'\n\n" << kUsage;
  return 2;
}

}  // namespace berth::webhook_certs
