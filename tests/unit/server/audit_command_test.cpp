#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::server {
namespace {

using berth::testing::berthBinary;
using berth::testing::runCommand;
using berth::testing::sourcePath;

const std::string kFixture = "tests/fixtures/registry/audit_sample.jsonl";

TEST(AuditCommandTest, SummarisesPullsAndPushesPerImageAsATable) {
  const auto result = runCommand({berthBinary(), "audit", "--log", sourcePath(kFixture)});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const std::string& out = result.out;
  EXPECT_EQ(out.rfind("REPOSITORY", 0), 0u) << out;
  // bob pulled team/app:v1 twice, last on May 2; alice pushed it once; anonymous once.
  EXPECT_NE(
      out.find("team/app     v1                   sha256:111111111111  pull    bob          2      "
               "2024-05-02T08:00:00.000Z"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find("push    alice        1"), std::string::npos) << out;
  EXPECT_NE(out.find("(anonymous)"), std::string::npos) << out;
  EXPECT_NE(out.find("base/debian  sha256:333333333333"), std::string::npos) << out;
  // Blob pulls and denied requests are not image pulls.
  EXPECT_EQ(out.find("mallory"), std::string::npos) << out;
  EXPECT_EQ(out.find("sha256:222222222222"), std::string::npos) << out;
  // The malformed line is reported, not fatal.
  EXPECT_NE(result.err.find("skipped 1 malformed line (first: line 5"), std::string::npos)
      << result.err;
}

TEST(AuditCommandTest, JsonOutputCountsPerUser) {
  const auto result =
      runCommand({berthBinary(), "audit", "--log", sourcePath(kFixture), "--output", "json"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const auto doc = nlohmann::json::parse(result.out);
  ASSERT_EQ(doc["images"].size(), 2u);
  const auto& app = doc["images"][1];
  EXPECT_EQ(app["repository"], "team/app");
  EXPECT_EQ(app["reference"], "v1");
  EXPECT_EQ(app["digest"], "sha256:" + std::string(64, '1'));
  EXPECT_EQ(app["pull"]["count"], 3);
  EXPECT_EQ(app["pull"]["last"], "2024-05-02T09:00:00.000Z");
  EXPECT_EQ(app["push"]["count"], 1);
  EXPECT_EQ(app["push"]["users"][0]["user"], "alice");
}

TEST(AuditCommandTest, SinceFiltersByTimeOrDuration) {
  const auto result = runCommand({berthBinary(), "audit", "--log", sourcePath(kFixture), "--output",
                                  "json", "--since", "2024-05-02T08:30:00Z"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  const auto doc = nlohmann::json::parse(result.out);
  ASSERT_EQ(doc["images"].size(), 2u);
  EXPECT_EQ(doc["images"][1]["pull"]["count"], 1);  // only the anonymous pull
  EXPECT_FALSE(doc["images"][1].contains("push"));

  // Everything in the fixture is older than a day.
  const auto recent =
      runCommand({berthBinary(), "audit", "--log", sourcePath(kFixture), "--since", "1d"});
  ASSERT_EQ(recent.exitCode, 0) << recent.err;
  EXPECT_NE(recent.out.find("No manifest pulls"), std::string::npos) << recent.out;
}

TEST(AuditCommandTest, ReadsStandardInput) {
  const std::string log = berth::testing::readFile(sourcePath(kFixture));
  const auto result = runCommand({berthBinary(), "audit", "--log", "-"}, log);
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_NE(result.out.find("base/debian"), std::string::npos);
}

TEST(AuditCommandTest, MissingLogFileIsExit1) {
  berth::testing::TempDir dir;
  const auto result = runCommand({berthBinary(), "audit", "--log", dir.file("missing.log")});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_NE(result.err.find("berth audit: cannot read"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("No such file"), std::string::npos) << result.err;
}

TEST(AuditCommandTest, UsageErrorsAreExit2) {
  const std::string log = sourcePath(kFixture);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{"--since", "yesterday"}, "invalid --since 'yesterday'"},
           {{"--since", "5x"}, "invalid --since"},
           {{"--since", "-3d"}, "invalid --since"},
           {{"--since", "2024-13-01"}, "invalid --since"},
           {{"--output", "xml"}, "invalid --output 'xml'"},
           {{"--bogus"}, "unknown flag --bogus"},
           {{"extra"}, "unexpected argument 'extra'"},
       }) {
    std::vector<std::string> argv = {berthBinary(), "audit", "--log", log};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const auto result = runCommand(argv);
    EXPECT_EQ(result.exitCode, 2) << c.message;
    EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err;
  }
}

TEST(AuditCommandTest, HelpListsTheFlags) {
  const auto result = runCommand({berthBinary(), "audit", "--help"});
  EXPECT_EQ(result.exitCode, 0);
  EXPECT_NE(result.out.find("--since"), std::string::npos);
  EXPECT_NE(result.out.find("--output"), std::string::npos);
}

}  // namespace
}  // namespace berth::server
