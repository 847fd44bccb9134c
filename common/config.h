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
  std::string account;               // a user name, "*" for any authenticated user, "anonymous"
  std::string repository;            // RE2 pattern, implicitly anchored, matched against the name
  std::vector<std::string> actions;  // "pull", "push", "delete", "*"
};

struct RegistryAuthConfig {
  std::string htpasswdFile;     // empty: anonymous access, everything allowed
  std::string realm = "berth";  // Basic realm and token service name
  std::string tokenIssuer = "berth";
  int64_t tokenTtlSeconds = 300;
  std::string tokenKeyFile;        // HMAC key for tokens; empty: a random key per process
  std::vector<AccessRule> access;  // empty with htpasswd: every authenticated user may do all
  bool anonymousPull = false;
};

struct AuditConfig {
  std::string path;  // empty: off; "-": standard output; otherwise a file appended to
};

// Credentials for one upstream, chosen by the longest matching repository path prefix.
struct ProxyCredential {
  std::string pathPrefix;  // "" matches every repository of the upstream
  std::string username;
  std::string password;
};

// One upstream registry the pull-through cache serves (registry.proxy.upstreams[]).
struct ProxyUpstream {
  std::string host;       // as in image references: "docker.io", "127.0.0.1:5001"
  std::string url;        // default https://<host>; docker.io: https://registry-1.docker.io
  bool insecure = false;  // plain HTTP or unverified TLS
  std::string alias;      // optional extra first path component
  std::vector<ProxyCredential> credentials;
};

struct ProxyConfig {
  int64_t manifestTtlSeconds = 300;  // manifests by tag are revalidated after this
  int64_t cacheMaxBytes = 0;         // 0: unbounded; otherwise least recently used is evicted
  std::string dockerConfigJson;      // a kubernetes.io/dockerconfigjson Secret's file
  int64_t timeoutSeconds = 30;       // connect and read timeouts towards upstreams
  std::vector<ProxyUpstream> upstreams;
  bool enabled() const { return !upstreams.empty(); }
};

// An S3-compatible bucket as the registry's storage (registry.s3). Several `berth serve`
// replicas may share one bucket; docs/STORAGE.md says why that is safe.
struct S3StorageConfig {
  std::string endpoint;  // http(s)://HOST[:PORT]; empty: https://s3.<region>.amazonaws.com
  std::string region = "us-east-1";
  std::string bucket;  // set: the S3 driver is used and registry.storage is ignored
  std::string prefix;  // key prefix inside the bucket, e.g. "berth/"
  // Credentials, first found wins: accessKey+secretKey here, credentialsFile (the AWS shared
  // credentials format, profile [default]), then AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
  std::string accessKey;
  std::string secretKey;
  std::string credentialsFile;
  // Path-style (https://host/bucket/key) or virtual-host (https://bucket.host/key) addressing.
  // Default: path-style with a custom endpoint (IP addresses, no wildcard DNS), virtual-host on
  // AWS.
  bool pathStyle = false;
  bool insecureSkipVerify = false;  // https without certificate verification (tests only)
  std::string caFile;               // CA bundle for the endpoint's certificate
  int64_t timeoutSeconds = 60;      // connect, read and write timeouts of one request
  int64_t maxAttempts = 6;          // tries of one request on 5xx, 429, SlowDown, lost connections
  // Upload sessions are stored as objects of this size (the last one smaller) and assembled by a
  // multipart copy: at least 5 MiB (the S3 minimum part), and 10000 parts bound a blob's size.
  int64_t partSizeBytes = 8 << 20;
  bool enabled() const { return !bucket.empty(); }
};

// registry.readTimeout and webhook.readTimeout when not set; also what the listener and the
// registry's own body reads use when a caller passes no configuration.
inline constexpr int64_t kDefaultReadTimeoutSeconds = 30;

// registry.limits: what one client may take from the registry. 0 turns a limit off. The defaults
// leave room for a small cluster (see "Limits" in README.md for the reasoning and the numbers).
struct LimitsConfig {
  // A blob pushed larger than this is refused (413 SIZE_INVALID) and its upload discarded. As
  // Docker Hub and GHCR: 10 GiB, above the largest layers of CUDA and ML images.
  int64_t maxBlobBytes = 10LL << 30;
  // Open upload sessions of one user (anonymous: of one client address), and of one repository.
  // A docker push uploads up to 5 layers at once; 100 leaves room for 20 parallel CI jobs under
  // one account. A repository is shared by users, so its bound is wider.
  int64_t maxUploadSessionsPerUser = 100;
  int64_t maxUploadSessionsPerRepository = 200;
  // A token bucket per client address: `burst` requests at once, refilled at requestsPerSecond.
  // A node pulling a fresh rollout asks for each image's manifest, config and layers: about 25
  // requests an image, a few thousand for a node starting 100 new images. The burst absorbs
  // that; the rate keeps one client to a few percent of what a registry core serves.
  int64_t requestsPerSecond = 1000;
  int64_t burst = 5000;
};

struct RegistryConfig {
  std::string listen = "127.0.0.1:5000";
  std::string storage = "./berth-data";
  S3StorageConfig s3;
  TlsFiles tls;
  // "fsync": blobs, manifests and tags are fsynced before they become visible (durable across
  // power loss); "none": rename only (still consistent after a process crash).
  std::string durability = "fsync";
  // Blobs of the filesystem driver go to plain-HTTP clients with sendfile(2), from the page cache
  // to the socket without a copy through Berth. Off: read and written (as over TLS), for storage
  // whose files sendfile serves badly, as nginx and Apache let a network filesystem opt out.
  bool sendfile = true;
  int64_t uploadExpirySeconds = 24 * 3600;
  // registry.limits.maxManifestBytes, or the older registry.maxManifestBytes (one of the two).
  int64_t maxManifestBytes = 4 * 1024 * 1024;
  LimitsConfig limits;
  int64_t gcIntervalSeconds = 0;  // 0: no online garbage collection
  int64_t threads = 0;            // 0: chosen from the core count
  // A client that sends nothing for this long in the middle of a request is disconnected.
  int64_t readTimeoutSeconds = kDefaultReadTimeoutSeconds;
  RegistryAuthConfig auth;
  AuditConfig audit;
  ProxyConfig proxy;
};

struct PolicyConfig {
  std::string path;  // a directory (mounted ConfigMap) or a file; empty: allow everything
  std::string rewriteTarget = "localhost:5005";
  int64_t reloadIntervalSeconds = 2;
};

// A username and a file holding the password, for Berth's own clients of the registry.
struct RegistryClientCredential {
  std::string username;
  std::string passwordFile;
  bool enabled() const { return !username.empty(); }
};

// The password of a credential: the file's content without a trailing newline. Read once at
// start by the component that uses it; errors name the file and never the content.
Result<std::string> readRegistryClientPassword(const RegistryClientCredential& credential,
                                               const std::string& context);
// The Authorization header value for a credential ("Basic ..."), its password read as above;
// "" when the credential is not configured.
Result<std::string> registryClientAuthorization(const RegistryClientCredential& credential,
                                                const std::string& context);

struct WebhookConfig {
  std::string listen = "127.0.0.1:8443";
  TlsFiles tls;             // the webhook listens only when a certificate and key are set
  std::string registryUrl;  // where the webhook resolves tags to digests; default: the registry
  // The webhook's own account at the registry for those lookups (HTTP Basic), when the registry
  // has auth on: pins are resolved under this identity, never under a client's.
  RegistryClientCredential registryAuth;
  // An UPDATE review carries two objects of up to 3 MiB each (the API server's request limit)
  // and more; admission/admission_review.h kDefaultMaxReviewBytes says how this is derived.
  int64_t maxBodyBytes = 8 * 1024 * 1024;
  int64_t threads = 0;
  int64_t readTimeoutSeconds = kDefaultReadTimeoutSeconds;  // as registry.readTimeout
};

// The node-local pull-only endpoint (`berth serve --node-proxy-listen`): when enabled, the
// process runs only this listener, no registry and no webhook.
struct NodeProxyConfig {
  std::string listen;            // empty: off
  std::string upstreamRegistry;  // the registry Service URL, http:// or https://
  std::string cacheDir = "./berth-node-cache";
  int64_t cacheMaxBytes = 10LL << 30;
  std::string caFile;     // CA bundle for an https registry
  bool insecure = false;  // do not verify the registry's certificate
  int64_t threads = 0;
  // The node's own account at the registry, for blob fetches once a client's HEAD was allowed;
  // never used to decide whether a client may read.
  RegistryClientCredential registryAuth;
  bool enabled() const { return !listen.empty(); }
};

struct Config {
  std::string logLevel = "info";
  RegistryConfig registry;
  PolicyConfig policy;
  WebhookConfig webhook;
  NodeProxyConfig nodeProxy;
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

// The form an upstream host takes as a repository path component: "127.0.0.1:5001" becomes
// "127.0.0.1_5001" (":" is not allowed in repository names; "_" never appears in host names).
std::string encodeUpstreamHost(const std::string& host);

}  // namespace berth::common
