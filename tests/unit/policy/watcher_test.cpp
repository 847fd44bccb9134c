#include "policy/watcher.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "policy/compiled_policy.h"
#include "tests/support/temp_dir.h"

namespace berth::policy {
namespace {

namespace fs = std::filesystem;
using testing::readFile;
using testing::sourcePath;

std::string policyNamed(const std::string& name) {
  return "apiVersion: berth.dev/v1\nkind: ImagePolicy\nmetadata: {name: " + name +
         "}\nspec:\n  rules:\n    - {name: r, action: allow}\n";
}

// Replaces a file the way editors and kubelet do: write aside, then rename over it.
void replaceFile(const testing::TempDir& dir, const std::string& name, const std::string& text) {
  dir.write(name + ".new", text);
  fs::rename(dir.file(name + ".new"), dir.file(name));
}

class PolicyWatcherTest : public ::testing::Test {
 protected:
  std::FILE* sink_ = std::tmpfile();
  common::Logger logger_{common::LogLevel::Debug, sink_};
  common::Metrics metrics_;
  testing::TempDir dir_;

  ~PolicyWatcherTest() override { std::fclose(sink_); }
  std::string firstName(const PolicyWatcher& w) { return w.current()->documents.at(0).name; }
  std::string logText() {
    std::fflush(sink_);
    std::rewind(sink_);
    std::string out;
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), sink_)) > 0) out.append(buffer, n);
    return out;
  }
};

TEST_F(PolicyWatcherTest, ReloadsWhenAFileChanges) {
  dir_.write("p.yaml", policyNamed("one"));
  PolicyWatcher watcher(dir_.path(), LoadOptions{}, logger_, metrics_);
  ASSERT_TRUE(watcher.loadInitial());
  EXPECT_EQ(firstName(watcher), "one");
  EXPECT_FALSE(watcher.checkNow());
  replaceFile(dir_, "p.yaml", policyNamed("two"));
  EXPECT_TRUE(watcher.checkNow());
  EXPECT_EQ(firstName(watcher), "two");
  EXPECT_NE(metrics_.render().find("berth_policy_reloads_total 2"), std::string::npos);
}

TEST_F(PolicyWatcherTest, NewAndRemovedFilesAreNoticed) {
  dir_.write("a.yaml", policyNamed("a"));
  PolicyWatcher watcher(dir_.path(), LoadOptions{}, logger_, metrics_);
  ASSERT_TRUE(watcher.loadInitial());
  dir_.write("b.yaml", policyNamed("b"));
  EXPECT_TRUE(watcher.checkNow());
  EXPECT_EQ(watcher.current()->documents.size(), 2u);
  fs::remove(dir_.file("a.yaml"));
  EXPECT_TRUE(watcher.checkNow());
  EXPECT_EQ(firstName(watcher), "b");
}

TEST_F(PolicyWatcherTest, BadFileDuringReloadKeepsLastGoodPolicyAndReportsOnce) {
  dir_.write("p.yaml", policyNamed("good"));
  PolicyWatcher watcher(dir_.path(), LoadOptions{}, logger_, metrics_);
  ASSERT_TRUE(watcher.loadInitial());
  const PolicySnapshot before = watcher.current();
  replaceFile(dir_, "p.yaml", readFile(sourcePath("tests/fixtures/policy/unknown-action.yaml")));
  EXPECT_FALSE(watcher.checkNow());
  EXPECT_EQ(watcher.current(), before);
  EXPECT_FALSE(watcher.checkNow());
  const std::string metrics = metrics_.render();
  EXPECT_NE(metrics.find("berth_policy_reload_errors_total 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("berth_policy_last_reload_success 0"), std::string::npos) << metrics;
  const std::string log = logText();
  EXPECT_NE(log.find("policy reload failed; keeping the last good policy"), std::string::npos);
  EXPECT_NE(log.find("unknown action 'quarantine'"), std::string::npos) << log;
  // Fixing the file recovers.
  replaceFile(dir_, "p.yaml", policyNamed("fixed"));
  EXPECT_TRUE(watcher.checkNow());
  EXPECT_EQ(firstName(watcher), "fixed");
  EXPECT_NE(metrics_.render().find("berth_policy_last_reload_success 1"), std::string::npos);
}

TEST_F(PolicyWatcherTest, ConfigMapDataSymlinkSwapIsAReload) {
  dir_.write("..v1/policy.yaml", policyNamed("v1"));
  dir_.write("..v2/policy.yaml", policyNamed("v2"));
  fs::create_directory_symlink("..v1", dir_.file("..data"));
  fs::create_symlink("..data/policy.yaml", dir_.file("policy.yaml"));
  PolicyWatcher watcher(dir_.path(), LoadOptions{}, logger_, metrics_);
  ASSERT_TRUE(watcher.loadInitial());
  EXPECT_EQ(firstName(watcher), "v1");
  // The kubelet's atomic swap: a new symlink renamed over ..data.
  fs::create_directory_symlink("..v2", dir_.file("..data_tmp"));
  fs::rename(dir_.file("..data_tmp"), dir_.file("..data"));
  EXPECT_TRUE(watcher.checkNow());
  EXPECT_EQ(firstName(watcher), "v2");
}

TEST_F(PolicyWatcherTest, BadPolicyAtStartIsAnError) {
  dir_.write("p.yaml", readFile(sourcePath("tests/fixtures/policy/bad-pattern.yaml")));
  PolicyWatcher watcher(dir_.path(), LoadOptions{}, logger_, metrics_);
  auto status = watcher.loadInitial();
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("invalid pattern"), std::string::npos);
}

TEST_F(PolicyWatcherTest, BackgroundThreadPicksUpChanges) {
  dir_.write("p.yaml", policyNamed("one"));
  PolicyWatcher watcher(dir_.path(), LoadOptions{}, logger_, metrics_);
  ASSERT_TRUE(watcher.loadInitial());
  watcher.start(std::chrono::milliseconds(10));
  replaceFile(dir_, "p.yaml", policyNamed("two"));
  // Bounded wait for the poller; the assertion is on the outcome, not on timing.
  for (int i = 0; i < 500 && firstName(watcher) != "two"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  watcher.stop();
  EXPECT_EQ(firstName(watcher), "two");
}

}  // namespace
}  // namespace berth::policy
