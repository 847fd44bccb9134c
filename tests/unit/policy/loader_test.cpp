#include "policy/loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "policy/compiled_policy.h"
#include "tests/support/temp_dir.h"

namespace berth::policy {
namespace {

using testing::readFile;
using testing::sourcePath;

std::string fixture(const std::string& name) { return sourcePath("tests/fixtures/policy/" + name); }

// The load error of a fixture file; fails the test if the file loads.
std::string loadError(const std::string& name) {
  auto loaded = loadPolicyPath(fixture(name), LoadOptions{});
  EXPECT_FALSE(loaded) << name << " loaded but should not";
  return loaded ? "" : loaded.error().message;
}

void expectContains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "missing '" << part << "' in:\n" << text;
}

TEST(PolicyLoaderTest, UnknownKeyNamesFileLineColumnRuleAndKey) {
  const std::string error = loadError("unknown-key.yaml");
  expectContains(error, fixture("unknown-key.yaml") +
                            ":8:7: policy 'typo' rule 'deny-all': "
                            "unknown key 'mesage'");
}

// Errors come in file, line and column order (line 10 before line 11, column 17 before 31),
// whatever order the checks found them in: unknown keys are found when their mapping is done,
// the default before the rules.
TEST(PolicyLoaderTest, ErrorsAreSortedByFileLineAndColumn) {
  auto loaded = loadPolicyText(
      "apiVersion: berth.dev/v1\n"
      "kind: ImagePolicy\n"
      "metadata: {name: p}\n"
      "spec:\n"
      "  bogus: 1\n"
      "  rules:\n"
      "    - {name: a, zzz: 1, match: {images: ['(']}, action: allow}\n"
      "    - {name: b, match: {images: ['x']}, action: fly}\n"
      "    - {name: c, match: {images: ['x']}, action: fly}\n"
      "    - {name: d, match: {images: ['x']}, action: fly}\n"
      "  default: maybe\n",
      "p.yaml", LoadOptions{});
  ASSERT_FALSE(loaded);
  const std::string& e = loaded.error().message;
  std::vector<size_t> at;
  for (const char* position : {"p.yaml:5:3:", "p.yaml:7:17:", "p.yaml:7:", "p.yaml:8:", "p.yaml:9:",
                               "p.yaml:10:", "p.yaml:11:"}) {
    at.push_back(e.find(position));
    ASSERT_NE(at.back(), std::string::npos) << position << " in\n" << e;
  }
  EXPECT_TRUE(std::is_sorted(at.begin(), at.end())) << e;
  EXPECT_LT(e.find("unknown key 'zzz'"), e.find("invalid pattern")) << e;
}

TEST(PolicyLoaderTest, BadPatternCarriesRe2Message) {
  const std::string error = loadError("bad-pattern.yaml");
  expectContains(error, "bad-pattern.yaml:8:18: policy 'bad-pattern' rule 'broken' match");
  expectContains(error, "invalid pattern 'docker\\.io/(unclosed': missing )");
}

TEST(PolicyLoaderTest, UnknownActionIsNamed) {
  expectContains(loadError("unknown-action.yaml"),
                 "unknown-action.yaml:7:15: policy 'bad-action' rule 'what': unknown action "
                 "'quarantine'");
}

TEST(PolicyLoaderTest, MissingFieldsAreEachReported) {
  const std::string error = loadError("missing-fields.yaml");
  expectContains(error, "missing-fields.yaml:3:11: policy metadata: missing required field 'name'");
  expectContains(error, "rule 1: missing required field 'name'");
  expectContains(error, "rule 1: missing required field 'action'");
}

TEST(PolicyLoaderTest, InvalidYamlGivesLineAndColumn) {
  expectContains(loadError("invalid-yaml.yaml"), "invalid-yaml.yaml:4:");
  expectContains(loadError("invalid-yaml.yaml"), "invalid YAML");
}

TEST(PolicyLoaderTest, WrongApiVersionAndKind) {
  const std::string error = loadError("wrong-kind.yaml");
  expectContains(error,
                 "wrong-kind.yaml:1:13: policy document: unsupported apiVersion 'berth.dev/v2'");
  expectContains(error, "unsupported kind 'ClusterPolicy'");
}

TEST(PolicyLoaderTest, EveryMisplacedFieldIsReportedInOnePass) {
  const std::string error = loadError("misplaced-fields.yaml");
  expectContains(error, "misplaced-fields.yaml:5:9: policy 'misplaced': unknown mode 'strict'");
  expectContains(error, "default action must be allow or deny, not 'rewrite'");
  expectContains(error, "rule 'no-message': action deny needs a 'message'");
  expectContains(error, "rule 'target-on-allow': 'target' applies only to action rewrite");
  expectContains(error, "rule 'pin-on-deny': 'pin' applies only to action require-digest");
  expectContains(error, "rule 'bad-target': invalid rewrite target 'not a host'");
  expectContains(error, "rule 'bad-ops': unknown operation 'delete'");
  expectContains(error, "duplicate rule name 'no-message'");
}

TEST(PolicyLoaderTest, DuplicatePolicyNames) {
  expectContains(loadError("duplicate-policy.yaml"), "duplicate policy name 'same'");
}

TEST(PolicyLoaderTest, NotAMappingIsAnError) {
  auto loaded = loadPolicyText("- just\n- a list\n", "list.yaml", LoadOptions{});
  ASSERT_FALSE(loaded);
  expectContains(loaded.error().message, "list.yaml:1:1: policy document must be a mapping");
}

TEST(PolicyLoaderTest, MissingPathIsNotFound) {
  auto loaded = loadPolicyPath("/nonexistent/berth/policies", LoadOptions{});
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, common::ErrorCode::NotFound);
  expectContains(loaded.error().message, "/nonexistent/berth/policies: no such file");
}

TEST(PolicyLoaderTest, EmptyPathAndEmptyDirectoryAllowEverything) {
  auto none = loadPolicyPath("", LoadOptions{});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none.value()->documents.empty());
  testing::TempDir dir;
  auto empty = loadPolicyPath(dir.path(), LoadOptions{});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty.value()->documents.empty());
}

TEST(PolicyLoaderTest, GoodFileWithTrailingSeparatorLoads) {
  auto loaded = loadPolicyPath(fixture("good.yaml"), LoadOptions{});
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded.value()->documents.size(), 1u);
  EXPECT_EQ(loaded.value()->documents[0].rules[0].name, "allow-all");
}

TEST(PolicyLoaderTest, DirectoryMergesInLexicalOrderAndSkipsHiddenAndOtherFiles) {
  testing::TempDir dir;
  const std::string policy = readFile(fixture("good.yaml"));
  auto named = [&](const std::string& name) {
    std::string text = policy;
    text.replace(text.find("name: good"), 10, "name: " + name);
    return text;
  };
  dir.write("b.yaml", named("second"));
  dir.write("a.yml", named("first"));
  dir.write("c.yaml", named("third"));
  dir.write("README.md", "not a policy");
  dir.write(".hidden.yaml", "not: [valid");
  auto loaded = loadPolicyPath(dir.path(), LoadOptions{});
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto& docs = loaded.value()->documents;
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].name, "first");
  EXPECT_EQ(docs[1].name, "second");
  EXPECT_EQ(docs[2].name, "third");
}

TEST(PolicyLoaderTest, ErrorsAcrossFilesAreAllReportedAndNothingLoadsHalf) {
  testing::TempDir dir;
  dir.write("1.yaml", readFile(fixture("unknown-action.yaml")));
  dir.write("2.yaml", readFile(fixture("good.yaml")));
  dir.write("3.yaml", readFile(fixture("bad-pattern.yaml")));
  auto loaded = loadPolicyPath(dir.path(), LoadOptions{});
  ASSERT_FALSE(loaded);
  expectContains(loaded.error().message, "1.yaml:7:15");
  expectContains(loaded.error().message, "3.yaml:8:18");
}

TEST(PolicyLoaderTest, ConfigMapLayoutThroughDataSymlink) {
  // What the kubelet mounts: key -> ..data/key, ..data -> ..<timestamp>/
  testing::TempDir dir;
  namespace fs = std::filesystem;
  dir.write("..2026_11_29_10_00_00.1/policy.yaml", readFile(fixture("good.yaml")));
  fs::create_directory_symlink("..2026_11_29_10_00_00.1", dir.file("..data"));
  fs::create_symlink("..data/policy.yaml", dir.file("policy.yaml"));
  auto loaded = loadPolicyPath(dir.path(), LoadOptions{});
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded.value()->files.size(), 1u);
  EXPECT_EQ(loaded.value()->documents.size(), 1u);
}

TEST(PolicyLoaderTest, RewriteTargetsAreCollected) {
  auto loaded = loadPolicyText(
      "apiVersion: berth.dev/v1\nkind: ImagePolicy\nmetadata: {name: t}\nspec:\n  rules:\n"
      "    - {name: a, action: rewrite, target: mirror.example.com/cache}\n"
      "    - {name: b, action: rewrite}\n",
      "inline.yaml", LoadOptions{"localhost:7000"});
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded.value()->rewriteTargets,
            (std::vector<std::string>{"localhost:7000", "mirror.example.com/cache"}));
}

// Found by fuzz/policy_load_fuzzer (fuzz/regressions/policy_load/): yaml-cpp 0.7's LoadAll loops
// forever on a stray ',' after a document's top-level node.
TEST(PolicyLoaderTest, StrayCommaAfterADocumentIsAnErrorNotAHang) {
  for (const std::string text : {",", "\"x\",", "{a: b},", "apiVersion: berth.dev/v1\n---\n,\n"}) {
    auto loaded = loadPolicyText(text, "stray.yaml", LoadOptions{});
    ASSERT_FALSE(loaded) << text;
    expectContains(loaded.error().message, "stray.yaml:");
    expectContains(loaded.error().message, "invalid YAML");
  }
  // Commas inside flow collections are fine.
  auto flow = loadPolicyText(
      "apiVersion: berth.dev/v1\nkind: ImagePolicy\nmetadata: {name: flow}\n"
      "spec:\n  rules:\n    - {name: a, action: allow, match: {images: ['x', 'y']}}\n",
      "flow.yaml", LoadOptions{});
  EXPECT_TRUE(flow) << (flow ? "" : flow.error().message);
}

}  // namespace
}  // namespace berth::policy
