#include "common/config.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace berth::common {
namespace {

void expectContains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "missing '" << part << "' in:\n" << text;
}

TEST(ConfigTest, EmptyTextGivesDefaults) {
  auto config = parseConfigText("", "empty.yaml");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->registry.listen, "127.0.0.1:5000");
  EXPECT_EQ(config->policy.rewriteTarget, "localhost:5005");
  EXPECT_EQ(config->registry.durability, "fsync");
  EXPECT_TRUE(config->registry.sendfile);
  EXPECT_TRUE(validateConfig(*config).empty());
}

TEST(ConfigTest, EveryKeyIsRead) {
  auto config = parseConfigText(R"(
logLevel: debug
registry:
  listen: 0.0.0.0:5000
  storage: /var/lib/berth
  tls: {cert: /tls/tls.crt, key: /tls/tls.key}
  durability: none
  sendfile: false
  uploadExpiry: 2h
  maxManifestBytes: 1048576
  gcInterval: 1d
  threads: 16
  auth:
    htpasswd: /auth/htpasswd
    realm: berth-test
    tokenIssuer: issuer
    tokenTtl: 10m
    tokenKeyFile: /auth/key
    anonymousPull: true
    access:
      - {account: ci, repository: 'team/.*', actions: [pull, push]}
  audit: {path: /var/log/berth/audit.log}
policy:
  path: /etc/berth/policies
  rewriteTarget: registry.local:5000
  reloadInterval: 5s
webhook:
  listen: 0.0.0.0:8443
  tls: {cert: /w/tls.crt, key: /w/tls.key}
  registryUrl: https://berth.berth.svc:5000
  maxBodyBytes: 2097152
  threads: 8
)",
                                "full.yaml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->logLevel, "debug");
  EXPECT_EQ(config->registry.storage, "/var/lib/berth");
  EXPECT_EQ(config->registry.tls.keyFile, "/tls/tls.key");
  EXPECT_EQ(config->registry.durability, "none");
  EXPECT_FALSE(config->registry.sendfile);
  EXPECT_EQ(config->registry.uploadExpirySeconds, 7200);
  EXPECT_EQ(config->registry.gcIntervalSeconds, 86400);
  EXPECT_EQ(config->registry.auth.tokenTtlSeconds, 600);
  ASSERT_EQ(config->registry.auth.access.size(), 1u);
  EXPECT_EQ(config->registry.auth.access[0].actions, (std::vector<std::string>{"pull", "push"}));
  EXPECT_TRUE(config->registry.auth.anonymousPull);
  EXPECT_EQ(config->registry.audit.path, "/var/log/berth/audit.log");
  EXPECT_EQ(config->policy.reloadIntervalSeconds, 5);
  EXPECT_EQ(config->webhook.registryUrl, "https://berth.berth.svc:5000");
  EXPECT_EQ(config->webhook.threads, 8);
  EXPECT_TRUE(validateConfig(*config).empty());
}

// Relative paths in a config file are taken from the file's directory, whatever the working
// directory; absolute ones, "-" for the audit log and text without a file stay as written.
TEST(ConfigTest, RelativePathsResolveAgainstTheConfigFilesDirectory) {
  testing::TempDir dir;
  const std::string file = dir.write("etc/berth.yaml",
                                     "registry:\n"
                                     "  storage: data\n"
                                     "  tls: {cert: tls/tls.crt, key: /abs/tls.key}\n"
                                     "  auth: {htpasswd: ./auth/htpasswd}\n"
                                     "  audit: {path: '-'}\n"
                                     "policy:\n"
                                     "  path: ../policies\n");
  auto config = loadConfigFile(file);
  ASSERT_TRUE(config) << config.error().message;
  const std::string etc = dir.file("etc");
  EXPECT_EQ(config->registry.storage, etc + "/data");
  EXPECT_EQ(config->registry.tls.certFile, etc + "/tls/tls.crt");
  EXPECT_EQ(config->registry.tls.keyFile, "/abs/tls.key");
  EXPECT_EQ(config->registry.auth.htpasswdFile, etc + "/auth/htpasswd");
  EXPECT_EQ(config->registry.audit.path, "-");
  EXPECT_EQ(config->policy.path, dir.file("policies"));
  auto audit = loadConfigFile(dir.write("etc/audit.yaml", "registry: {audit: {path: a.log}}\n"));
  ASSERT_TRUE(audit) << audit.error().message;
  EXPECT_EQ(audit->registry.audit.path, etc + "/a.log");
  auto text = parseConfigText("registry: {storage: data}\n", "inline.yaml");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->registry.storage, "data");
}

TEST(ConfigTest, UnknownKeysAndWrongTypesAreAllReportedWithPositions) {
  auto config = parseConfigText(R"(registry:
  listen: [a, b]
  storag: /x
  threads: many
  uploadExpiry: soon
  durability: sometimes
  sendfile: maybe
  auth:
    access:
      - {account: a, actions: [fly]}
      - {repository: x}
polcy: {}
)",
                                "bad.yaml");
  ASSERT_FALSE(config);
  const std::string& e = config.error().message;
  expectContains(e, "bad.yaml:2:11: registry: 'listen' must be a string");
  expectContains(e, "bad.yaml:3:3: registry: unknown key 'storag'");
  expectContains(e, "bad.yaml:4:12: registry: 'threads' must be an integer");
  expectContains(e, "'uploadExpiry' must be a duration");
  expectContains(e, "'durability' must be fsync or none");
  expectContains(e, "bad.yaml:7:13: registry: 'sendfile' must be");
  // Each list entry is named by its index, as startup names it.
  expectContains(e, "registry.auth.access[0]: unknown action 'fly'");
  expectContains(e, "registry.auth.access[1]: missing required field 'account'");
  expectContains(e, "bad.yaml:12:1: config: unknown key 'polcy'");
}

TEST(ConfigTest, LimitsHaveLivableDefaultsAndAreRead) {
  auto defaults = parseConfigText("", "empty.yaml");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->registry.limits.maxBlobBytes, 10LL << 30);
  EXPECT_EQ(defaults->registry.maxManifestBytes, 4 << 20);
  EXPECT_GT(defaults->registry.limits.requestsPerSecond, 0);
  EXPECT_GE(defaults->registry.limits.burst, defaults->registry.limits.requestsPerSecond);
  EXPECT_GT(defaults->registry.limits.maxUploadSessionsPerUser, 0);
  EXPECT_GT(defaults->registry.limits.maxUploadSessionsPerRepository, 0);

  auto config = parseConfigText(R"(registry:
  limits:
    maxBlobBytes: 1048576
    maxManifestBytes: 65536
    maxUploadSessionsPerUser: 3
    maxUploadSessionsPerRepository: 0
    requestsPerSecond: 20
    burst: 40
)",
                                "limits.yaml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->registry.limits.maxBlobBytes, 1048576);
  EXPECT_EQ(config->registry.maxManifestBytes, 65536);
  EXPECT_EQ(config->registry.limits.maxUploadSessionsPerUser, 3);
  EXPECT_EQ(config->registry.limits.maxUploadSessionsPerRepository, 0);
  EXPECT_EQ(config->registry.limits.requestsPerSecond, 20);
  EXPECT_EQ(config->registry.limits.burst, 40);

  // The older key keeps working.
  auto legacy = parseConfigText("registry:\n  maxManifestBytes: 2048\n", "legacy.yaml");
  ASSERT_TRUE(legacy) << legacy.error().message;
  EXPECT_EQ(legacy->registry.maxManifestBytes, 2048);
}

TEST(ConfigTest, BadLimitsAreReportedWithPositions) {
  auto config = parseConfigText(R"(registry:
  maxManifestBytes: 2048
  limits:
    maxManifestBytes: 4096
    maxBlobBytes: -1
    maxUploadSessionsPerUser: -5
    requestsPerSecond: 1.5
    burst: 0
    maxSessions: 3
)",
                                "limits.yaml");
  ASSERT_FALSE(config);
  const std::string& e = config.error().message;
  expectContains(e,
                 "limits.yaml:4:23: registry.limits: 'maxManifestBytes' is also set as "
                 "registry.maxManifestBytes; keep one of the two");
  expectContains(e, "limits.yaml:5:19: registry.limits: 'maxBlobBytes' must be between 0 and");
  expectContains(e,
                 "limits.yaml:6:31: registry.limits: 'maxUploadSessionsPerUser' must be between");
  expectContains(e, "limits.yaml:7:24: registry.limits: 'requestsPerSecond' must be an integer");
  expectContains(e, "limits.yaml:8:12: registry.limits: 'burst' must be between 1 and");
  expectContains(e, "limits.yaml:9:5: registry.limits: unknown key 'maxSessions'");
}

TEST(ConfigTest, ReadTimeoutsAreDurationsWithinBounds) {
  auto config =
      parseConfigText("registry: {readTimeout: 2m}\nwebhook: {readTimeout: 5s}\n", "t.yaml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->registry.readTimeoutSeconds, 120);
  EXPECT_EQ(config->webhook.readTimeoutSeconds, 5);
  auto defaults = parseConfigText("", "empty.yaml");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->registry.readTimeoutSeconds, 30);
  EXPECT_EQ(defaults->webhook.readTimeoutSeconds, 30);

  auto bad =
      parseConfigText("registry:\n  readTimeout: 0s\nwebhook:\n  readTimeout: 2h\n", "bad.yaml");
  ASSERT_FALSE(bad);
  expectContains(bad.error().message,
                 "bad.yaml:2:16: registry: 'readTimeout' must be between 1s and 1h");
  expectContains(bad.error().message,
                 "bad.yaml:4:16: webhook: 'readTimeout' must be between 1s and 1h");
  auto notDuration = parseConfigText("registry: {readTimeout: soon}\n", "nd.yaml");
  ASSERT_FALSE(notDuration);
  expectContains(notDuration.error().message, "'readTimeout' must be a duration");
}

TEST(ConfigTest, InvalidYamlIsAnError) {
  auto config = parseConfigText("registry: {listen: [\n", "broken.yaml");
  ASSERT_FALSE(config);
  expectContains(config.error().message, "broken.yaml:2:1: invalid YAML");
}

TEST(ConfigTest, MissingFileIsNotFound) {
  auto config = loadConfigFile("/nonexistent/berth.yaml");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code, ErrorCode::NotFound);
}

TEST(ConfigTest, ValidationFindsInconsistentValues) {
  Config config;
  config.registry.listen = "localhost";
  config.webhook.tls.certFile = "/c";
  config.registry.storage = "";
  const auto problems = validateConfig(config);
  ASSERT_EQ(problems.size(), 3u);
  expectContains(problems[0], "registry.listen");
  expectContains(problems[1], "registry.storage must not be empty");
  expectContains(problems[2], "webhook.tls");
}

TEST(ConfigTest, HostPortForms) {
  auto v4 = parseHostPort("127.0.0.1:5000");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 5000);
  auto v6 = parseHostPort("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  for (const char* bad : {"", ":5000", "host:", "host:x", "host:70000", "[::1]5000", "[::1"}) {
    EXPECT_FALSE(parseHostPort(bad)) << bad;
  }
}

}  // namespace
}  // namespace berth::common
