// `berth serve` as users start it: health endpoints, clean shutdown, and every config error.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/http.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::server {
namespace {

using testing::berthBinary;
using testing::runCommand;

void expectContains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "missing '" << part << "' in:\n" << text;
}

TEST(ServeCommandTest, ServesHealthReadyAndMetricsAndStopsOnSigterm) {
  testing::TempDir dir;
  testing::BerthServer server({"--policy", testing::sourcePath("examples/policies")}, dir.path());
  testing::HttpClient http("127.0.0.1", server.registryPort());
  EXPECT_EQ(http.get("/healthz").status, 200);
  EXPECT_EQ(http.get("/readyz").status, 200);
  const auto metrics = http.get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  expectContains(metrics.body, "berth_policy_reloads_total 1");
  EXPECT_EQ(server.stop(), 0);
  const std::string log = server.log();
  expectContains(log, "\"msg\":\"listening\"");
  expectContains(log, "\"msg\":\"shutting down\"");
  expectContains(log, "\"signal\":\"SIGTERM\"");
  expectContains(log, "\"msg\":\"stopped\"");
}

TEST(ServeCommandTest, ReloadsPolicyWhileRunning) {
  testing::TempDir dir;
  const std::string policies = dir.path() + "/policies";
  dir.write("policies/a.yaml",
            "apiVersion: berth.dev/v1\nkind: ImagePolicy\nmetadata: {name: a}\nspec: {}\n");
  testing::BerthServer server({"--policy", policies}, dir.path());
  dir.write("policies/b.yaml", "not: [valid");
  testing::HttpClient http("127.0.0.1", server.registryPort());
  // The watcher polls every 2 s by default; wait (bounded) for its verdict on the bad file.
  std::string metrics;
  for (int i = 0; i < 100; ++i) {
    metrics = http.get("/metrics").body;
    if (metrics.find("berth_policy_reload_errors_total 1") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  expectContains(metrics, "berth_policy_reload_errors_total 1");
  expectContains(metrics, "berth_policy_last_reload_success 0");
  EXPECT_EQ(http.get("/readyz").status, 200);  // the last good policy keeps serving
  expectContains(server.log(), "policy reload failed; keeping the last good policy");
}

TEST(ServeCommandTest, ConfigErrorsNameFileLineAndKey) {
  testing::TempDir dir;
  const std::string config = dir.write("berth.yaml",
                                       "registry:\n  listen: 127.0.0.1:0\n  storge: /tmp/x\n"
                                       "logLevel: chatty\n");
  auto r = runCommand({berthBinary(), "serve", "--config", config});
  EXPECT_EQ(r.exitCode, 2);
  expectContains(r.err, config + ":3:3: registry: unknown key 'storge'");
  expectContains(r.err, "unknown log level 'chatty'");
}

TEST(ServeCommandTest, InvalidValuesAreRejectedBeforeStarting) {
  testing::TempDir dir;
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--registry-listen", "nohost"}, "registry.listen: invalid address 'nohost'"},
      {{"--registry-listen", "127.0.0.1:99999"}, "invalid address '127.0.0.1:99999'"},
      {{"--webhook-tls-cert", "/tmp/cert.pem"}, "webhook.tls: a certificate and a key go together"},
      {{"--tls-key", "/tmp/key.pem"}, "registry.tls: a certificate and a key go together"},
      {{"--log-level", "loud"}, "log level 'loud'"},
      {{"--config", dir.file("missing.yaml")}, "cannot read config file"},
      {{"--frobnicate"}, "unknown flag --frobnicate"},
      {{"stray"}, "unexpected argument 'stray'"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {berthBinary(), "serve", "--storage", dir.file("s")};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto r = runCommand(argv);
    EXPECT_EQ(r.exitCode, 2) << c.message;
    expectContains(r.err, c.message);
  }
}

TEST(ServeCommandTest, BadPolicyAtStartupStopsTheServer) {
  testing::TempDir dir;
  auto r = runCommand({berthBinary(), "serve", "--storage", dir.file("s"), "--registry-listen",
                       "127.0.0.1:0", "--policy",
                       testing::sourcePath("tests/fixtures/policy/unknown-action.yaml")});
  EXPECT_EQ(r.exitCode, 1);
  expectContains(r.err, "unknown action 'quarantine'");
}

TEST(ServeCommandTest, PortInUseIsAClearError) {
  testing::TempDir dir;
  testing::BerthServer first({}, dir.path());
  auto r = runCommand({berthBinary(), "serve", "--storage", dir.file("s2"), "--registry-listen",
                       first.registryAddress()});
  EXPECT_EQ(r.exitCode, 1);
  expectContains(
      r.err, "registry: cannot listen on " + first.registryAddress() + ": Address already in use");
}

TEST(ServeCommandTest, CheckConfigValidatesWithoutServing) {
  testing::TempDir dir;
  const std::string config = dir.write(
      "berth.yaml", "registry:\n  listen: 127.0.0.1:0\n  storage: " + dir.file("s") +
                        "\npolicy:\n  path: " + testing::sourcePath("examples/policies") + "\n");
  auto r = runCommand({berthBinary(), "serve", "--config", config, "--check-config"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  expectContains(r.out, "config and policy are valid");
}

// Attacks on --check-config (issue #15, item 10): each config here would have started an open
// or broken registry, or failed only at `serve`, while --check-config said it was valid.
TEST(ServeCommandTest, CheckConfigRefusesWhatServeWouldRefuse) {
  testing::TempDir dir;
  const std::string bcrypt =
      runCommand({"htpasswd", "-nbB", "alice", "wonderland"}).out;  // "alice:$2y$...\n"
  ASSERT_EQ(bcrypt.rfind("alice:$2", 0), 0u) << "htpasswd (apache2-utils) is required";
  const std::string good = dir.write("good.htpasswd", bcrypt);
  const std::string apr1 =
      dir.write("apr1.htpasswd", "alice:$apr1$abcdefgh$0123456789abcdefghijkl\n");
  struct Case {
    std::string name;
    std::string registryYaml;  // under "registry:"
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"a bad access-rule pattern",
       "  auth:\n    htpasswd: " + good +
           "\n    access:\n      - {account: alice, repository: 'team/(x', actions: [pull]}\n",
       "team/(x"},
      {"an $apr1$ htpasswd entry", "  auth:\n    htpasswd: " + apr1 + "\n", "apr1"},
      {"a missing htpasswd file", "  auth:\n    htpasswd: " + dir.file("missing") + "\n",
       dir.file("missing")},
      {"a missing docker config",
       "  proxy:\n    dockerConfigJson: " + dir.file("nope.json") +
           "\n    upstreams:\n      - {host: ghcr.io}\n",
       "nope.json"},
      {"access rules without an identity source",
       "  auth:\n    access:\n      - {account: alice, repository: '.*', actions: ['*']}\n",
       "identity source"},
      {"anonymousPull without an identity source", "  auth:\n    anonymousPull: true\n",
       "anonymousPull needs registry.auth.htpasswd"},
  };
  for (const auto& c : cases) {
    const std::string config =
        dir.write("berth.yaml", "registry:\n  listen: 127.0.0.1:0\n  storage: " + dir.file("s") +
                                    "\n" + c.registryYaml);
    auto checked = runCommand({berthBinary(), "serve", "--config", config, "--check-config"});
    EXPECT_NE(checked.exitCode, 0) << c.name << "\n" << checked.out;
    expectContains(checked.err, c.expected);
    // serve refuses the same config with the same reason (timeout: a serve that starts fails).
    auto served = runCommand({"timeout", "20", berthBinary(), "serve", "--config", config});
    EXPECT_NE(served.exitCode, 0) << c.name;
    expectContains(served.err, c.expected);
  }
  // The good file passes both ways.
  const std::string config =
      dir.write("berth.yaml", "registry:\n  listen: 127.0.0.1:0\n  storage: " + dir.file("s") +
                                  "\n  auth:\n    htpasswd: " + good + "\n");
  auto checked = runCommand({berthBinary(), "serve", "--config", config, "--check-config"});
  EXPECT_EQ(checked.exitCode, 0) << checked.err;
}

TEST(ServeCommandTest, EveryExampleConfigIsValid) {
  // run.sh starts berth with examples/config/default.yaml from the repository root.
  size_t checked = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(testing::sourcePath("examples/config"))) {
    auto r = runCommand({"/bin/sh", "-c",
                         "cd " + testing::sourcePath("") + " && " + berthBinary() +
                             " serve --check-config --config " + entry.path().string()});
    EXPECT_EQ(r.exitCode, 0) << entry.path() << ": " << r.err;
    ++checked;
  }
  EXPECT_GE(checked, 1u);
}

TEST(ServeCommandTest, RunScriptStartsBerthWithTheExamplePolicies) {
  testing::TempDir dir;
  const std::string ready = dir.file("ready.json");
  const std::string storage = dir.file("storage");
  testing::ChildProcess run(
      {"/usr/bin/env", "BERTH_BIN=" + berthBinary(), testing::sourcePath("run.sh"),
       "--registry-listen", "127.0.0.1:0", "--storage", storage, "--ready-file", ready},
      dir.file("run.log"));
  for (int i = 0; i < 400 && !std::filesystem::exists(ready) && run.running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_TRUE(std::filesystem::exists(ready)) << testing::readFile(dir.file("run.log"));
  const auto ports = nlohmann::json::parse(testing::readFile(ready));
  testing::HttpClient http("127.0.0.1", ports["registryPort"].get<int>());
  EXPECT_EQ(http.get("/v2/").status, 200);
  EXPECT_EQ(http.get("/readyz").status, 200);
  EXPECT_EQ(run.terminate(), 0);
  const std::string log = testing::readFile(dir.file("run.log"));
  expectContains(log, "\"policies\":7");
}

}  // namespace
}  // namespace berth::server
