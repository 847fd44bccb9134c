// `berth policy check|test` through the real binary: outputs, the JSON contract, every error.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::server {
namespace {

using testing::berthBinary;
using testing::runCommand;
using testing::sourcePath;

const std::string kExamples = sourcePath("examples/policies");
std::string fixture(const std::string& name) { return sourcePath("tests/fixtures/policy/" + name); }

testing::CommandResult berth(std::vector<std::string> args) {
  args.insert(args.begin(), berthBinary());
  return runCommand(args);
}

void expectContains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "missing '" << part << "' in:\n" << text;
}

TEST(PolicyCheckCommandTest, GoodPathsExitZero) {
  auto r = berth({"policy", "check", kExamples, fixture("good.yaml")});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  expectContains(r.out, kExamples + ": ok (7 file(s), 7 policies, 9 rule(s))");
  expectContains(r.out, "good.yaml: ok (1 file(s), 1 policy, 1 rule(s))");
}

TEST(PolicyCheckCommandTest, EveryErrorIsPrintedAndExitIsOne) {
  auto r = berth({"policy", "check", fixture("unknown-key.yaml"), fixture("misplaced-fields.yaml"),
                  kExamples});
  EXPECT_EQ(r.exitCode, 1);
  expectContains(r.err,
                 "unknown-key.yaml:8:7: policy 'typo' rule 'deny-all': unknown key 'mesage'");
  expectContains(r.err, "misplaced-fields.yaml:5:9");
  expectContains(r.err, "duplicate rule name 'no-message'");
  expectContains(r.out, kExamples + ": ok");
}

TEST(PolicyCheckCommandTest, UsageErrorsExitTwo) {
  auto none = berth({"policy", "check"});
  EXPECT_EQ(none.exitCode, 2);
  expectContains(none.err, "name at least one policy file or directory");
  auto flag = berth({"policy", "check", "--bogus", kExamples});
  EXPECT_EQ(flag.exitCode, 2);
  expectContains(flag.err, "unknown flag --bogus");
  auto missing = berth({"policy", "check", "/nonexistent/policy.yaml"});
  EXPECT_EQ(missing.exitCode, 1);
  expectContains(missing.err, "/nonexistent/policy.yaml: no such file or directory");
}

TEST(PolicyTestCommandTest, JsonContractOneObjectPerImage) {
  auto r = berth({"policy", "test", "--policy", kExamples, "--namespace", "web", "--image",
                  "nginx:1.25", "--image", "nginx", "--output", "json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::istringstream lines(r.out);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  const auto a = nlohmann::json::parse(first);
  const auto b = nlohmann::json::parse(second);
  EXPECT_EQ(a["image"], "docker.io/library/nginx:1.25");
  EXPECT_EQ(a["decision"], "rewrite");
  EXPECT_EQ(a["rewritten"], "localhost:5005/docker.io/library/nginx:1.25");
  EXPECT_EQ(a["pin"], false);
  EXPECT_EQ(a["immutable"], false);
  EXPECT_EQ(a["rule"], "mirror-docker-hub");
  EXPECT_EQ(a["mode"], "enforce");
  EXPECT_TRUE(a["reason"].is_string());
  EXPECT_EQ(b["decision"], "deny");
  EXPECT_EQ(b["rule"], "deny-latest-tag");
  EXPECT_TRUE(b["rewritten"].is_null());
}

TEST(PolicyTestCommandTest, PushOperationReportsImmutableTags) {
  auto r = berth({"policy", "test", "--policy", kExamples, "--image", "release/app:1.0",
                  "--operation", "push", "--output", "json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["immutable"], true);
  EXPECT_EQ(j["immutableRule"], "release-tags-are-immutable");
}

TEST(PolicyTestCommandTest, TextOutputNamesRuleAndReason) {
  auto r = berth(
      {"policy", "test", "--policy", kExamples, "--namespace", "prod-eu", "--image", "nginx:1.25"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  expectContains(r.out, "docker.io/library/nginx:1.25: deny (default of policy prod-allowlist");
}

// Under the rewrite target only a named upstream is judged as that upstream's image.
TEST(PolicyTestCommandTest, UpstreamsDecideWhatUnderTheTargetIsMirrored) {
  const std::string image = "localhost:5005/registry.example.com/team-a/api:3";
  auto local =
      berth({"policy", "test", "--policy", kExamples, "--namespace", "prod-eu", "--image", image});
  EXPECT_EQ(local.exitCode, 0) << local.err;
  EXPECT_NE(local.out.find(": deny"), std::string::npos) << local.out;
  auto mirrored = berth({"policy", "test", "--policy", kExamples, "--namespace", "prod-eu",
                         "--upstream", "registry.example.com", "--image", image});
  EXPECT_EQ(mirrored.exitCode, 0) << mirrored.out << mirrored.err;
  EXPECT_NE(mirrored.out.find(": allow"), std::string::npos) << mirrored.out;
}

TEST(PolicyTestCommandTest, ErrorPaths) {
  struct Case {
    std::vector<std::string> args;
    int exit;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"policy", "test", "--image", "nginx"}, 2, "--policy is required"},
      {{"policy", "test", "--policy", kExamples}, 2, "give at least one --image"},
      {{"policy", "test", "--policy", kExamples, "--image", "nginx", "--operation", "run"},
       2,
       "unknown operation 'run'"},
      {{"policy", "test", "--policy", kExamples, "--image", "nginx", "--output", "xml"},
       2,
       "unknown output 'xml'"},
      {{"policy", "test", "--policy", kExamples, "--image"}, 2, "--image needs a value"},
      {{"policy", "test", "--policy", kExamples, "--policy", kExamples, "--image", "x"},
       2,
       "--policy given more than once"},
      {{"policy", "test", "--policy", kExamples, "--image", "x", "stray"},
       2,
       "unexpected argument 'stray'"},
      {{"policy", "test", "--policy", fixture("bad-pattern.yaml"), "--image", "nginx"},
       1,
       "invalid pattern"},
      {{"policy", "test", "--policy", kExamples, "--image", "Not/Valid"},
       1,
       "repository name must be lowercase"},
      {{"policy", "test", "--policy", kExamples, "--image", "../x:1", "--operation", "push"},
       1,
       "invalid repository name '../x'"},
      {{"policy", "frobnicate"}, 2, "unknown subcommand 'frobnicate'"},
      {{"policy"}, 2, "Usage: berth policy check"},
      {{"nonsense"}, 2, "unknown command 'nonsense'"},
  };
  for (const auto& c : cases) {
    auto r = berth(c.args);
    EXPECT_EQ(r.exitCode, c.exit) << c.message << "\n" << r.err;
    expectContains(r.err, c.message);
  }
}

// The README's quick start shows what `policy test` prints for nginx in two namespaces: every
// line the commands print is in the README as printed, so the text cannot drift from the code.
TEST(PolicyTestCommandTest, TheReadmeQuickStartShowsWhatPolicyTestPrints) {
  const std::string readme = testing::readFile(sourcePath("README.md"));
  for (const char* ns : {"web", "prod-eu"}) {
    const std::string command =
        std::string("./build-release/berth policy test --policy examples/policies --namespace ") +
        ns + " --image nginx:1.25";
    EXPECT_NE(readme.find(command), std::string::npos) << command;
    auto r = berth(
        {"policy", "test", "--policy", kExamples, "--namespace", ns, "--image", "nginx:1.25"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      EXPECT_NE(readme.find(line + "\n"), std::string::npos) << ns << ": README lacks\n" << line;
    }
  }
  EXPECT_NE(readme.find(": rewrite -> localhost:5005/docker.io/library/nginx:1.25"),
            std::string::npos);
  EXPECT_NE(readme.find(": deny (default of policy prod-allowlist"), std::string::npos);
}

// Every command and subcommand: --help prints its usage and exits 0, an unknown flag is a usage
// error (exit 2) that names the flag, and nothing is run either way.
TEST(PolicyTestCommandTest, HelpAndUnknownFlagsOnEveryCommand) {
  const std::vector<std::vector<std::string>> commands = {
      {"serve"},          {"policy"}, {"policy", "check"},
      {"policy", "test"}, {"certs"},  {"certs", "generate"},
      {"certs", "check"}, {"audit"},  {"gc"},
      {"version"}};
  EXPECT_EQ(berth({"--help"}).exitCode, 0);
  for (const auto& command : commands) {
    std::vector<std::string> help = command;
    help.push_back("--help");
    auto h = berth(help);
    EXPECT_EQ(h.exitCode, 0) << help.front() << " " << help.back();
    expectContains(h.out, "Usage: berth");
    std::vector<std::string> bogus = command;
    bogus.push_back("--bogus");
    auto b = berth(bogus);
    EXPECT_EQ(b.exitCode, 2) << bogus.front();
    expectContains(b.err, "--bogus");
    EXPECT_EQ(b.out.find("berth 0"), std::string::npos) << b.out;
  }
  auto v = berth({"version"});
  EXPECT_EQ(v.exitCode, 0);
  expectContains(v.out, "berth ");
  EXPECT_EQ(berth({"version", "extra"}).exitCode, 2);
}

}  // namespace
}  // namespace berth::server
