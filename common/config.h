#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace berth::common {

struct TlsFiles {
  std::string certFile;
  std::string keyFile;
  bool enabled() const { return !certFile.empty() && !keyFile.empty(); }
};

// One access rule of the registry: which account may do what to which repositories.
struct AccessRule {
  std::string account;           // a user name, "*" for any authenticated user, "anonymous"
  std::string repository;        // RE2 pattern, implicitly anchored, matched against the name
  std::vector<std::string> actions;  // "pull", "push", "delete", "*"
};

struct RegistryAuthConfig {
  std::string htpasswdFile;        // empty: anonymous access, everything allowed
  std::string realm = "berth";     // Basic realm and token service name
  std::string tokenIssuer = "berth";
  int64_t tokenTtlSeconds = 300;
  std::string tokenKeyFile;        // HMAC key for tokens; empty: a random key per process
  std::vector<AccessRule> access;  // empty with htpasswd: every authenticated user may do all
  bool anonymousPull = false;
};

struct AuditConfig {
  std::string path;  // empty: off; "-": standard output; otherwise a file appended to
};

struct RegistryConfig {
  std::string listen = "127.0.0.1:5000";
  std::string storage = "./berth-data";
  TlsFiles tls;
  // "fsync": blobs, manifests and tags are fsynced before they become visible (durable across
  // power loss); "none": rename only (still consistent after a process crash).
  std::string durability = "fsync";
  int64_t uploadExpirySeconds = 24 * 3600;
  int64_t maxManifestBytes = 4 * 1024 * 1024;
  int64_t gcIntervalSeconds = 0;  // 0: no online garbage collection
  int64_t threads = 0;            // 0: chosen from the core count
  RegistryAuthConfig auth;
  AuditConfig audit;
};

struct PolicyConfig {
  std::string path;  // a directory (mounted ConfigMap) or a file; empty: allow everything
  std::string rewriteTarget = "localhost:5005";
  int64_t reloadIntervalSeconds = 2;
};

struct WebhookConfig {
  std::string listen = "127.0.0.1:8443";
  TlsFiles tls;  // the webhook listens only when a certificate and key are set
  std::string registryUrl;  // where the webhook resolves tags to digests; default: the registry
  int64_t maxBodyBytes = 3 * 1024 * 1024;
  int64_t threads = 0;
};

struct Config {
  std::string logLevel = "info";
  RegistryConfig registry;
  PolicyConfig policy;
  WebhookConfig webhook;
};

// Reads a YAML config strictly: unknown keys and wrong types are errors naming file:line:column.
Result<Config> loadConfigFile(const std::string& path);
Result<Config> parseConfigText(const std::string& text, const std::string& sourceName);

// Checks values that depend on each other (TLS pairs, listen addresses). Returns every problem.
std::vector<std::string> validateConfig(const Config& config);

// Splits "HOST:PORT" ("[::1]:5000" too). Errors name the offending text.
struct HostPort {
  std::string host;
  int port = 0;
};
Result<HostPort> parseHostPort(const std::string& text);

}  // namespace berth::common
