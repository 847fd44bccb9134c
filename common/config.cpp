#include "common/config.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/base64.h"
#include "common/log.h"
#include "common/yaml_reader.h"

namespace berth::common {
namespace {

void readTls(YamlMapReader& parent, const std::string& key, TlsFiles& tls,
             std::vector<std::string>& errors) {
  YAML::Node node = parent.node(key);
  if (!node.IsDefined()) return;
  YamlMapReader r(node, parent.file(), parent.context() + "." + key, errors);
  if (auto v = r.path("cert")) tls.certFile = *v;
  if (auto v = r.path("key")) tls.keyFile = *v;
  r.finish();
}

void readAuth(YamlMapReader& parent, RegistryAuthConfig& auth, std::vector<std::string>& errors) {
  YAML::Node node = parent.node("auth");
  if (!node.IsDefined()) return;
  YamlMapReader r(node, parent.file(), "registry.auth", errors);
  if (auto v = r.path("htpasswd")) auth.htpasswdFile = *v;
  if (auto v = r.string("realm")) auth.realm = *v;
  if (auto v = r.string("tokenIssuer")) auth.tokenIssuer = *v;
  if (auto v = r.durationSeconds("tokenTtl")) auth.tokenTtlSeconds = *v;
  if (auto v = r.path("tokenKeyFile")) auth.tokenKeyFile = *v;
  if (auto v = r.boolean("anonymousPull")) auth.anonymousPull = *v;
  YAML::Node access = r.node("access");
  if (access.IsDefined()) {
    if (!access.IsSequence()) {
      r.error(access, "'access' must be a list");
    } else {
      size_t index = 0;
      for (const auto& item : access) {
        // The index, as the access rules name an entry when they are compiled at startup.
        YamlMapReader ar(item, parent.file(),
                         "registry.auth.access[" + std::to_string(index++) + "]", errors);
        AccessRule rule;
        rule.account = ar.string("account", true).value_or("");
        rule.repository = ar.string("repository").value_or(".*");
        rule.actions = ar.stringList("actions", true).value_or(std::vector<std::string>{});
        for (const auto& action : rule.actions) {
          if (action != "pull" && action != "push" && action != "delete" && action != "*") {
            ar.error(item, "unknown action '" + action + "' (use pull, push, delete or *)");
          }
        }
        ar.finish();
        auth.access.push_back(std::move(rule));
      }
    }
  }
  r.finish();
}

void readUpstream(const YAML::Node& item, const std::string& file, size_t index, ProxyUpstream& up,
                  std::vector<std::string>& errors) {
  const std::string section = "registry.proxy.upstreams[" + std::to_string(index) + "]";
  YamlMapReader r(item, file, section, errors);
  up.host = r.string("host", true).value_or("");
  if (auto v = r.string("url")) up.url = *v;
  if (auto v = r.boolean("insecure")) up.insecure = *v;
  if (auto v = r.string("alias")) up.alias = *v;
  YAML::Node creds = r.node("credentials");
  if (creds.IsDefined() && !creds.IsSequence()) r.error(creds, "'credentials' must be a list");
  if (creds.IsDefined() && creds.IsSequence()) {
    size_t credential = 0;
    for (const auto& c : creds) {
      YamlMapReader cr(c, file, section + ".credentials[" + std::to_string(credential++) + "]",
                       errors);
      ProxyCredential cred;
      cred.pathPrefix = cr.string("pathPrefix").value_or("");
      cred.username = cr.string("username", true).value_or("");
      cred.password = cr.string("password", true).value_or("");
      cr.finish();
      up.credentials.push_back(std::move(cred));
    }
  }
  r.finish();
}

void readProxy(YamlMapReader& parent, ProxyConfig& proxy, std::vector<std::string>& errors) {
  YAML::Node node = parent.node("proxy");
  if (!node.IsDefined()) return;
  YamlMapReader r(node, parent.file(), "registry.proxy", errors);
  if (auto v = r.durationSeconds("manifestTtl")) proxy.manifestTtlSeconds = *v;
  if (auto v = r.integer("cacheMaxBytes", 0, INT64_MAX)) proxy.cacheMaxBytes = *v;
  if (auto v = r.path("dockerConfigJson")) proxy.dockerConfigJson = *v;
  if (auto v = r.durationSeconds("timeout")) proxy.timeoutSeconds = *v;
  YAML::Node ups = r.node("upstreams");
  if (ups.IsDefined() && !ups.IsSequence()) r.error(ups, "'upstreams' must be a list");
  if (ups.IsDefined() && ups.IsSequence()) {
    for (const auto& item : ups) {
      ProxyUpstream up;
      readUpstream(item, parent.file(), proxy.upstreams.size(), up, errors);
      proxy.upstreams.push_back(std::move(up));
    }
  }
  r.finish();
}

// `key` under `parent`: {username, passwordFile}, both or neither, so a half-configured
// credential never silently becomes anonymous access.
void readRegistryClientCredential(YamlMapReader& parent, const std::string& key,
                                  RegistryClientCredential& credential,
                                  std::vector<std::string>& errors) {
  YAML::Node node = parent.node(key);
  if (!node.IsDefined()) return;
  YamlMapReader r(node, parent.file(), parent.context() + "." + key, errors);
  if (auto v = r.string("username")) credential.username = *v;
  if (auto v = r.path("passwordFile")) credential.passwordFile = *v;
  if (credential.username.empty() != credential.passwordFile.empty()) {
    r.error(node, "'" + key + "' needs both 'username' and 'passwordFile'");
  } else if (credential.username.find(':') != std::string::npos) {
    r.error(node, "'" + key + ".username' must not contain ':' (HTTP Basic)");
  }
  r.finish();
}

void readNodeProxy(YamlMapReader& top, NodeProxyConfig& np, std::vector<std::string>& errors) {
  YAML::Node node = top.node("nodeProxy");
  if (!node.IsDefined()) return;
  YamlMapReader r(node, top.file(), "nodeProxy", errors);
  if (auto v = r.string("listen")) np.listen = *v;
  if (auto v = r.string("upstreamRegistry")) np.upstreamRegistry = *v;
  if (auto v = r.path("cacheDir")) np.cacheDir = *v;
  if (auto v = r.integer("cacheMaxBytes", 0, INT64_MAX)) np.cacheMaxBytes = *v;
  if (auto v = r.path("caFile")) np.caFile = *v;
  if (auto v = r.boolean("insecure")) np.insecure = *v;
  if (auto v = r.integer("threads", 0, 4096)) np.threads = *v;
  readRegistryClientCredential(r, "registryAuth", np.registryAuth, errors);
  r.finish();
}

void readS3(YamlMapReader& parent, S3StorageConfig& s3, std::vector<std::string>& errors) {
  YAML::Node node = parent.node("s3");
  if (!node.IsDefined()) return;
  YamlMapReader r(node, parent.file(), "registry.s3", errors);
  if (auto v = r.string("endpoint")) s3.endpoint = *v;
  if (auto v = r.string("region")) s3.region = *v;
  s3.bucket = r.string("bucket", true).value_or("");
  if (auto v = r.string("prefix")) s3.prefix = *v;
  if (auto v = r.string("accessKey")) s3.accessKey = *v;
  if (auto v = r.string("secretKey")) s3.secretKey = *v;
  if (auto v = r.path("credentialsFile")) s3.credentialsFile = *v;
  s3.pathStyle = r.boolean("pathStyle").value_or(!s3.endpoint.empty());
  if (auto v = r.boolean("insecureSkipVerify")) s3.insecureSkipVerify = *v;
  if (auto v = r.path("caFile")) s3.caFile = *v;
  if (auto v = r.durationSeconds("timeout")) s3.timeoutSeconds = *v;
  if (auto v = r.integer("maxAttempts", 1, 20)) s3.maxAttempts = *v;
  if (auto v = r.integer("partSize", 5 << 20, 512 << 20)) s3.partSizeBytes = *v;
  r.finish();
}

bool isHttpUrl(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

void validateProxy(const ProxyConfig& proxy, std::vector<std::string>& problems) {
  std::set<std::string> names;
  for (const auto& up : proxy.upstreams) {
    const std::string what = "registry.proxy.upstreams[" + up.host + "]";
    const std::string encoded = encodeUpstreamHost(up.host);
    const bool valid = !encoded.empty() && std::all_of(encoded.begin(), encoded.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    });
    if (!valid) problems.push_back(what + ": host must be a lowercase HOST or HOST:PORT");
    if (!up.url.empty() && !isHttpUrl(up.url)) {
      problems.push_back(what + ": url must start with http:// or https://");
    }
    for (const auto& name : {encoded, up.alias}) {
      if (!name.empty() && !names.insert(name).second) {
        problems.push_back(what + ": '" + name + "' names more than one upstream");
      }
    }
  }
}

void validateS3(const S3StorageConfig& s3, std::vector<std::string>& problems) {
  if (!s3.enabled()) return;
  if (!s3.endpoint.empty() && !isHttpUrl(s3.endpoint)) {
    problems.push_back("registry.s3.endpoint must start with http:// or https://");
  }
  // A bucket name goes into host names and paths unescaped (the S3 naming rules).
  const bool validBucket =
      s3.bucket.size() >= 3 && s3.bucket.size() <= 63 &&
      std::all_of(s3.bucket.begin(), s3.bucket.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
      });
  if (!validBucket) {
    problems.push_back("registry.s3.bucket must be 3 to 63 lowercase letters, digits, '.' or '-'");
  }
  if (s3.region.empty()) problems.push_back("registry.s3.region must not be empty");
  if (s3.accessKey.empty() != s3.secretKey.empty()) {
    problems.push_back("registry.s3: accessKey and secretKey go together; set both or neither");
  }
  if (!s3.prefix.empty() &&
      (s3.prefix.front() == '/' || s3.prefix.find("//") != std::string::npos)) {
    problems.push_back("registry.s3.prefix must not start with '/' or contain '//'");
  }
}

// readTimeout: between 1 s (a client on a slow link still gets a chance) and 1 h.
void readReadTimeout(YamlMapReader& r, int64_t& seconds) {
  auto v = r.durationSeconds("readTimeout");
  if (!v) return;
  if (*v < 1 || *v > 3600) {
    r.error(r.node("readTimeout"), "'readTimeout' must be between 1s and 1h");
    return;
  }
  seconds = *v;
}

// registry.limits. maxManifestBytes may be set here or, as before, directly under registry; a
// file that sets both is ambiguous and refused rather than one silently winning.
void readLimits(YamlMapReader& parent, RegistryConfig& reg, std::vector<std::string>& errors) {
  YAML::Node node = parent.node("limits");
  if (!node.IsDefined()) return;
  YamlMapReader r(node, parent.file(), "registry.limits", errors);
  if (auto v = r.integer("maxBlobBytes", 0, INT64_MAX)) reg.limits.maxBlobBytes = *v;
  if (r.has("maxManifestBytes") && parent.has("maxManifestBytes")) {
    r.error(r.node("maxManifestBytes"),
            "'maxManifestBytes' is also set as registry.maxManifestBytes; keep one of the two");
  }
  if (auto v = r.integer("maxManifestBytes", 1024, 64 << 20)) reg.maxManifestBytes = *v;
  if (auto v = r.integer("maxUploadSessionsPerUser", 0, 1000000)) {
    reg.limits.maxUploadSessionsPerUser = *v;
  }
  if (auto v = r.integer("maxUploadSessionsPerRepository", 0, 1000000)) {
    reg.limits.maxUploadSessionsPerRepository = *v;
  }
  if (auto v = r.integer("requestsPerSecond", 0, 10000000)) reg.limits.requestsPerSecond = *v;
  if (auto v = r.integer("burst", 1, 100000000)) reg.limits.burst = *v;
  r.finish();
}

void readRegistry(YamlMapReader& top, RegistryConfig& reg, std::vector<std::string>& errors) {
  YAML::Node node = top.node("registry");
  if (!node.IsDefined()) return;
  YamlMapReader r(node, top.file(), "registry", errors);
  if (auto v = r.string("listen")) reg.listen = *v;
  if (auto v = r.path("storage")) reg.storage = *v;
  readS3(r, reg.s3, errors);
  readTls(r, "tls", reg.tls, errors);
  if (auto v = r.string("durability")) {
    if (*v != "fsync" && *v != "none") {
      r.error(r.node("durability"), "'durability' must be fsync or none");
    }
    reg.durability = *v;
  }
  if (auto v = r.boolean("sendfile")) reg.sendfile = *v;
  if (auto v = r.durationSeconds("uploadExpiry")) reg.uploadExpirySeconds = *v;
  if (auto v = r.integer("maxManifestBytes", 1024, 64 << 20)) reg.maxManifestBytes = *v;
  if (auto v = r.durationSeconds("gcInterval")) reg.gcIntervalSeconds = *v;
  if (auto v = r.integer("threads", 0, 4096)) reg.threads = *v;
  readReadTimeout(r, reg.readTimeoutSeconds);
  readLimits(r, reg, errors);
  readAuth(r, reg.auth, errors);
  readProxy(r, reg.proxy, errors);
  YAML::Node audit = r.node("audit");
  if (audit.IsDefined()) {
    YamlMapReader ar(audit, top.file(), "registry.audit", errors);
    if (auto v = ar.string("path")) reg.audit.path = *v == "-" ? *v : ar.resolvePath(*v);
    ar.finish();
  }
  r.finish();
}

void readPolicy(YamlMapReader& top, PolicyConfig& policy, std::vector<std::string>& errors) {
  YAML::Node node = top.node("policy");
  if (!node.IsDefined()) return;
  YamlMapReader r(node, top.file(), "policy", errors);
  if (auto v = r.path("path")) policy.path = *v;
  if (auto v = r.string("rewriteTarget")) policy.rewriteTarget = *v;
  if (auto v = r.durationSeconds("reloadInterval")) policy.reloadIntervalSeconds = *v;
  r.finish();
}

void readWebhook(YamlMapReader& top, WebhookConfig& webhook, std::vector<std::string>& errors) {
  YAML::Node node = top.node("webhook");
  if (!node.IsDefined()) return;
  YamlMapReader r(node, top.file(), "webhook", errors);
  if (auto v = r.string("listen")) webhook.listen = *v;
  readTls(r, "tls", webhook.tls, errors);
  if (auto v = r.string("registryUrl")) webhook.registryUrl = *v;
  readRegistryClientCredential(r, "registryAuth", webhook.registryAuth, errors);
  if (auto v = r.integer("maxBodyBytes", 1024, 64 << 20)) webhook.maxBodyBytes = *v;
  if (auto v = r.integer("threads", 0, 4096)) webhook.threads = *v;
  readReadTimeout(r, webhook.readTimeoutSeconds);
  r.finish();
}

std::string joinErrors(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "\n";
    out += e;
  }
  return out;
}

}  // namespace

Result<Config> parseConfigText(const std::string& text, const std::string& sourceName) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Error{ErrorCode::InvalidArgument,
                 yamlPosition(sourceName, e.mark) + ": invalid YAML: " + e.msg};
  }
  Config config;
  if (root.IsNull() || !root.IsDefined()) return config;
  std::vector<std::string> errors;
  YamlMapReader top(root, sourceName, "config", errors);
  if (auto v = top.string("logLevel")) {
    if (!parseLogLevelName(*v)) top.error(top.node("logLevel"), "unknown log level '" + *v + "'");
    config.logLevel = *v;
  }
  readRegistry(top, config.registry, errors);
  readPolicy(top, config.policy, errors);
  readWebhook(top, config.webhook, errors);
  readNodeProxy(top, config.nodeProxy, errors);
  top.finish();
  if (!errors.empty()) return Error{ErrorCode::InvalidArgument, joinErrors(errors)};
  return config;
}

Result<Config> loadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{ErrorCode::NotFound, "cannot read config file " + path};
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parseConfigText(buffer.str(), path);
}

Result<std::string> registryClientAuthorization(const RegistryClientCredential& credential,
                                                const std::string& context) {
  if (!credential.enabled()) return std::string();
  auto password = readRegistryClientPassword(credential, context);
  if (!password) return password.error();
  return basicAuthorization(credential.username, *password);
}

Result<std::string> readRegistryClientPassword(const RegistryClientCredential& credential,
                                               const std::string& context) {
  std::error_code ec;
  std::ifstream in;
  if (std::filesystem::is_regular_file(credential.passwordFile, ec)) {
    in.open(credential.passwordFile, std::ios::binary);
  }
  std::stringstream buffer;
  if (in) buffer << in.rdbuf();
  if (!in.is_open() || in.bad()) {
    return Error{ErrorCode::NotFound,
                 context + ".passwordFile: cannot read " + credential.passwordFile};
  }
  std::string password = buffer.str();
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  if (password.empty()) {
    return Error{ErrorCode::InvalidArgument,
                 context + ".passwordFile: " + credential.passwordFile + " is empty"};
  }
  return password;
}

std::string encodeUpstreamHost(const std::string& host) {
  std::string out = host;
  std::replace(out.begin(), out.end(), ':', '_');
  return out;
}

Result<HostPort> parseHostPort(const std::string& text) {
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Error{ErrorCode::InvalidArgument, "invalid address '" + text + "' (want [HOST]:PORT)"};
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
      return Error{ErrorCode::InvalidArgument, "invalid address '" + text + "' (want HOST:PORT)"};
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  int value = -1;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || port.empty() || ec != std::errc() || end != port.data() + port.size() ||
      value < 0 || value > 65535) {
    return Error{ErrorCode::InvalidArgument,
                 "invalid address '" + text + "' (want HOST:PORT with a port from 0 to 65535)"};
  }
  return HostPort{host, value};
}

std::vector<std::string> validateConfig(const Config& config) {
  std::vector<std::string> problems;
  if (!parseLogLevelName(config.logLevel)) {
    problems.push_back("log level '" + config.logLevel + "' is not debug, info, warn or error");
  }
  if (auto hp = parseHostPort(config.registry.listen); !hp) {
    problems.push_back("registry.listen: " + hp.error().message);
  }
  if (auto hp = parseHostPort(config.webhook.listen); !hp) {
    problems.push_back("webhook.listen: " + hp.error().message);
  }
  if (config.registry.storage.empty() && !config.registry.s3.enabled()) {
    problems.push_back("registry.storage must not be empty");
  }
  validateS3(config.registry.s3, problems);
  auto pair = [&](const TlsFiles& tls, const std::string& what) {
    if (tls.certFile.empty() != tls.keyFile.empty()) {
      problems.push_back(what + ": a certificate and a key go together; set both or neither");
    }
  };
  pair(config.registry.tls, "registry.tls");
  pair(config.webhook.tls, "webhook.tls");
  if (config.registry.durability != "fsync" && config.registry.durability != "none") {
    problems.push_back("registry.durability must be fsync or none");
  }
  validateProxy(config.registry.proxy, problems);
  // Without an identity source every request is anonymous and allowed: rules written for users
  // would be silently ignored and the registry left open.
  const RegistryAuthConfig& auth = config.registry.auth;
  if (auth.htpasswdFile.empty() && !auth.access.empty()) {
    problems.push_back(
        "registry.auth.access needs an identity source: set registry.auth.htpasswd, or remove "
        "the rules (without one every client may push, pull and delete)");
  }
  if (auth.htpasswdFile.empty() && auth.anonymousPull) {
    problems.push_back(
        "registry.auth.anonymousPull needs registry.auth.htpasswd: without an identity source "
        "every client may already push, pull and delete");
  }
  if (config.webhook.registryAuth.enabled()) {
    auto password = readRegistryClientPassword(config.webhook.registryAuth, "webhook.registryAuth");
    if (!password) problems.push_back(password.error().message);
  }
  if (config.nodeProxy.enabled()) {
    if (auto hp = parseHostPort(config.nodeProxy.listen); !hp) {
      problems.push_back("nodeProxy.listen: " + hp.error().message);
    }
    if (!isHttpUrl(config.nodeProxy.upstreamRegistry)) {
      problems.push_back("nodeProxy.upstreamRegistry must be an http:// or https:// URL");
    }
    if (config.nodeProxy.cacheDir.empty()) problems.push_back("nodeProxy.cacheDir is empty");
    if (config.nodeProxy.registryAuth.enabled()) {
      auto password =
          readRegistryClientPassword(config.nodeProxy.registryAuth, "nodeProxy.registryAuth");
      if (!password) problems.push_back(password.error().message);
    }
  }
  return problems;
}

}  // namespace berth::common
