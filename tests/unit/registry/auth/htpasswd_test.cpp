#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "common/log.h"
#include "registry/auth/htpasswd.h"
#include "registry/auth/password.h"
#include "tests/unit/registry/auth/test_support.h"

namespace berth::registry {
namespace {

using berth::testing::readFile;
using berth::testing::TempDir;
using testing::addHtpasswdUser;

class HtpasswdTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string file_ = dir_.file("htpasswd");
  common::Logger logger_{common::LogLevel::Error, stderr};
};

TEST_F(HtpasswdTest, VerifiesPasswordsMadeByTheRealHtpasswdTool) {
  addHtpasswdUser(file_, "alice", "wonderland");
  addHtpasswdUser(file_, "bob", "builder");
  auto table = parseHtpasswd(readFile(file_), file_);
  ASSERT_TRUE(table) << table.error().message;
  ASSERT_EQ(table->hashes.size(), 2u);
  EXPECT_EQ(table->hashes.at("alice").rfind("$2y$", 0), 0u);
  EXPECT_TRUE(verifyBcrypt("wonderland", table->hashes.at("alice")));
  EXPECT_TRUE(verifyBcrypt("builder", table->hashes.at("bob")));
}

TEST_F(HtpasswdTest, RejectsWrongPasswords) {
  addHtpasswdUser(file_, "alice", "wonderland");
  auto table = parseHtpasswd(readFile(file_), file_);
  ASSERT_TRUE(table);
  const std::string& hash = table->hashes.at("alice");
  EXPECT_FALSE(verifyBcrypt("Wonderland", hash));
  EXPECT_FALSE(verifyBcrypt("", hash));
  EXPECT_FALSE(verifyBcrypt("wonderland ", hash));
  EXPECT_FALSE(
      verifyBcrypt("wonderland", "$2y$05$notahashatallnotahashatallnotahashatallnotahashatall"));
}

TEST_F(HtpasswdTest, PasswordCheckerRejectsUnknownUsersAndCachesSuccesses) {
  addHtpasswdUser(file_, "alice", "wonderland");
  auto file = HtpasswdFile::open(file_, logger_);
  ASSERT_TRUE(file) << file.error().message;
  PasswordChecker checker(std::move(file).value());
  const auto now = std::chrono::system_clock::now();
  EXPECT_FALSE(checker.check("mallory", "wonderland", now));
  EXPECT_FALSE(checker.check("alice", "wrong", now));
  EXPECT_EQ(checker.cachedEntries(), 0u);  // failures are never cached
  EXPECT_TRUE(checker.check("alice", "wonderland", now));
  EXPECT_EQ(checker.cachedEntries(), 1u);
  EXPECT_TRUE(checker.check("alice", "wonderland", now));
  EXPECT_FALSE(checker.check("alice", "wrong", now));  // a cached success is no master key
  EXPECT_TRUE(checker.knows("alice"));
  EXPECT_FALSE(checker.knows("mallory"));
}

TEST_F(HtpasswdTest, RejectsNonBcryptEntriesNamingUserAndFix) {
  addHtpasswdUser(file_, "md5user", "pw", "-m");
  auto table = parseHtpasswd(readFile(file_), "users.htpasswd");
  ASSERT_FALSE(table);
  EXPECT_NE(table.error().message.find("users.htpasswd:1:"), std::string::npos);
  EXPECT_NE(table.error().message.find("md5user"), std::string::npos);
  EXPECT_NE(table.error().message.find("$apr1$"), std::string::npos);
  EXPECT_NE(table.error().message.find("htpasswd -B"), std::string::npos);

  const std::string shaFile = dir_.file("sha");
  addHtpasswdUser(shaFile, "shauser", "pw", "-s");
  auto sha = parseHtpasswd(readFile(shaFile), "sha");
  ASSERT_FALSE(sha);
  EXPECT_NE(sha.error().message.find("{SHA}"), std::string::npos);

  auto plain = parseHtpasswd("carol:plaintext\n", "plain");
  ASSERT_FALSE(plain);
  EXPECT_NE(plain.error().message.find("not a recognised hash"), std::string::npos);
}

TEST_F(HtpasswdTest, RejectsMalformedLinesAndDuplicates) {
  auto noColon = parseHtpasswd("# users\n\njust-a-name\n", "f");
  ASSERT_FALSE(noColon);
  EXPECT_NE(noColon.error().message.find("f:3: expected USER:HASH"), std::string::npos);
  EXPECT_FALSE(parseHtpasswd(":$2y$05$abc\n", "f"));

  addHtpasswdUser(file_, "alice", "a");
  const std::string line = readFile(file_);
  auto twice = parseHtpasswd(line + line, "f");
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("appears twice"), std::string::npos);
}

TEST_F(HtpasswdTest, SkipsCommentsBlankLinesAndCarriageReturns) {
  addHtpasswdUser(file_, "alice", "wonderland");
  std::string text = readFile(file_);
  text.insert(text.find('\n'), "\r");
  auto table = parseHtpasswd("# team\n\n  \n" + text, "f");
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_TRUE(verifyBcrypt("wonderland", table->hashes.at("alice")));
}

TEST_F(HtpasswdTest, OpenFailsForMissingOrInvalidFiles) {
  auto missing = HtpasswdFile::open(dir_.file("nope"), logger_);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot read htpasswd file"), std::string::npos);
  dir_.write("bad", "alice:{SHA}xyz\n");
  EXPECT_FALSE(HtpasswdFile::open(dir_.file("bad"), logger_));
}

TEST_F(HtpasswdTest, ReloadsWhenTheFileChangesAndKeepsUsersOnBadEdits) {
  addHtpasswdUser(file_, "alice", "wonderland");
  auto opened = HtpasswdFile::open(file_, logger_);
  ASSERT_TRUE(opened);
  HtpasswdFile& file = **opened;
  EXPECT_EQ(file.current()->hashes.count("bob"), 0u);

  addHtpasswdUser(file_, "bob", "builder");
  EXPECT_EQ(file.current()->hashes.count("bob"), 1u);

  // A broken edit keeps the last good users instead of locking everyone out.
  dir_.write("htpasswd", readFile(file_) + "broken-line\n");
  EXPECT_EQ(file.current()->hashes.size(), 2u);

  // A removed file (an editor mid-rename) keeps them too.
  std::filesystem::remove(file_);
  EXPECT_EQ(file.current()->hashes.size(), 2u);

  addHtpasswdUser(file_, "carol", "c");
  EXPECT_EQ(file.current()->hashes.size(), 1u);
  EXPECT_EQ(file.current()->hashes.count("carol"), 1u);
}

TEST(CredentialCacheTest, ExpiresAndStaysBounded) {
  CredentialCache cache(2, std::chrono::seconds(60));
  const auto t0 = std::chrono::system_clock::now();
  const std::string a = CredentialCache::key("a", "pw", "h");
  const std::string b = CredentialCache::key("b", "pw", "h");
  const std::string c = CredentialCache::key("c", "pw", "h");
  cache.insert(a, t0);
  EXPECT_TRUE(cache.contains(a, t0 + std::chrono::seconds(59)));
  EXPECT_FALSE(cache.contains(a, t0 + std::chrono::seconds(60)));
  cache.insert(a, t0);
  cache.insert(b, t0 + std::chrono::seconds(1));
  cache.insert(c, t0 + std::chrono::seconds(2));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.contains(a, t0 + std::chrono::seconds(3)));  // the oldest went
  EXPECT_TRUE(cache.contains(c, t0 + std::chrono::seconds(3)));
}

TEST(CredentialCacheTest, KeysSeparateFieldsAndHashes) {
  EXPECT_NE(CredentialCache::key("ab", "c", "h"), CredentialCache::key("a", "bc", "h"));
  EXPECT_NE(CredentialCache::key("a", "b", "h1"), CredentialCache::key("a", "b", "h2"));
  EXPECT_EQ(CredentialCache::key("a", "b", "h").size(), 32u);
}

}  // namespace
}  // namespace berth::registry
