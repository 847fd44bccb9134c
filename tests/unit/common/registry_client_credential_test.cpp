// nodeProxy.registryAuth: the node endpoint's own account at the registry. Half a credential,
// or a password file that cannot be read, must stop `berth serve` instead of running anonymous.
#include <gtest/gtest.h>

#include "common/config.h"
#include "tests/support/temp_dir.h"

namespace berth::common {
namespace {

using testing::TempDir;

void expectContains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "missing '" << part << "' in:\n" << text;
}

std::string nodeProxyWith(const std::string& registryAuth) {
  return "nodeProxy:\n  listen: 127.0.0.1:5005\n  upstreamRegistry: http://berth:5000\n"
         "  registryAuth:\n" +
         registryAuth;
}

TEST(RegistryClientCredentialTest, BothKeysAreReadAndThePasswordOnceWithoutItsNewline) {
  TempDir dir;
  const std::string file = dir.write("password", "s3cret:with colon\n");
  auto config = parseConfigText(
      nodeProxyWith("    username: node-a\n    passwordFile: " + file + "\n"), "node.yaml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->nodeProxy.registryAuth.enabled());
  EXPECT_EQ(config->nodeProxy.registryAuth.username, "node-a");
  EXPECT_EQ(config->nodeProxy.registryAuth.passwordFile, file);
  EXPECT_TRUE(validateConfig(*config).empty());
  auto password =
      readRegistryClientPassword(config->nodeProxy.registryAuth, "nodeProxy.registryAuth");
  ASSERT_TRUE(password) << password.error().message;
  EXPECT_EQ(*password, "s3cret:with colon");
}

TEST(RegistryClientCredentialTest, AbsentMeansNone) {
  auto config = parseConfigText("nodeProxy:\n  listen: 127.0.0.1:5005\n", "node.yaml");
  ASSERT_TRUE(config);
  EXPECT_FALSE(config->nodeProxy.registryAuth.enabled());
}

TEST(RegistryClientCredentialTest, HalfACredentialIsAnErrorWithItsPosition) {
  auto userOnly = parseConfigText(nodeProxyWith("    username: node-a\n"), "node.yaml");
  ASSERT_FALSE(userOnly);
  expectContains(userOnly.error().message, "node.yaml:5:");
  expectContains(userOnly.error().message,
                 "'registryAuth' needs both 'username' and 'passwordFile'");

  auto fileOnly = parseConfigText(nodeProxyWith("    passwordFile: /p\n"), "node.yaml");
  ASSERT_FALSE(fileOnly);
  expectContains(fileOnly.error().message, "needs both");

  auto unknown =
      parseConfigText(nodeProxyWith("    username: a\n    password: inline\n"), "n.yaml");
  ASSERT_FALSE(unknown);
  expectContains(unknown.error().message, "nodeProxy.registryAuth: unknown key 'password'");
}

TEST(RegistryClientCredentialTest, AColonInTheUserNameIsRefused) {
  auto config =
      parseConfigText(nodeProxyWith("    username: 'node:a'\n    passwordFile: /p\n"), "node.yaml");
  ASSERT_FALSE(config);
  expectContains(config.error().message, "must not contain ':'");
}

TEST(RegistryClientCredentialTest, AnUnreadableOrEmptyPasswordFileFailsValidation) {
  TempDir dir;
  for (const auto& [file, problem] : std::vector<std::pair<std::string, std::string>>{
           {dir.file("missing"),
            "nodeProxy.registryAuth.passwordFile: cannot read " + dir.file("missing")},
           {dir.path(), "nodeProxy.registryAuth.passwordFile: cannot read " + dir.path()},
           {dir.write("empty", "\n"), "is empty"}}) {
    auto config = parseConfigText(
        nodeProxyWith("    username: node-a\n    passwordFile: " + file + "\n"), "node.yaml");
    ASSERT_TRUE(config) << config.error().message;
    const auto problems = validateConfig(*config);
    ASSERT_EQ(problems.size(), 1u) << file;
    expectContains(problems[0], problem);
  }
}

}  // namespace
}  // namespace berth::common
