#include "webhook-certs/certs_command.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include "tests/support/temp_dir.h"

namespace berth::webhook_certs {
namespace {

using berth::testing::readFile;
using berth::testing::TempDir;

struct CommandRun {
  int code;
  std::string out;
  std::string err;
};

CommandRun certs(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = certsCommand(args, out, err);
  return {code, out.str(), err.str()};
}

std::string decodeBase64(const std::string& text) {
  std::string out(text.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return "";
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '\0') out.pop_back();  // padding bytes
  return out;
}

unsigned modeOf(const std::string& path) {
  struct stat st {};
  stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

class CertsCommandTest : public ::testing::Test {
 protected:
  std::vector<std::string> generateArgs(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"generate",     "--service", "berth-webhook",   "--namespace",
                                     "berth-system", "--out",     dir_.file("certs")};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  // Expects exit code 2 and a message naming the problem.
  void expectUsageError(const std::vector<std::string>& args, const std::string& message) {
    const CommandRun run = certs(args);
    EXPECT_EQ(run.code, 2) << message;
    EXPECT_NE(run.err.find(message), std::string::npos) << run.err;
  }
  TempDir dir_;
};

TEST_F(CertsCommandTest, UsageAndUnknownSubcommands) {
  EXPECT_EQ(certs({}).code, 2);
  EXPECT_NE(certs({}).err.find("berth certs generate"), std::string::npos);
  expectUsageError({"rotate"}, "unknown subcommand 'rotate'");
  const CommandRun help = certs({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("berth certs check"), std::string::npos);
  const CommandRun generateHelp = certs({"generate", "--help"});
  EXPECT_EQ(generateHelp.code, 0);
  EXPECT_NE(generateHelp.out.find("--key-type"), std::string::npos);
  EXPECT_EQ(certs({"check", "--help"}).code, 0);
}

TEST_F(CertsCommandTest, GenerateWritesFourFilesWithKeysPrivate) {
  const CommandRun run = certs(generateArgs({"--dns", "hook.example.com", "--days", "90"}));
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("berth-webhook.berth-system.svc (valid 90 days)"), std::string::npos);
  for (const char* name : {"ca.crt", "tls.crt"}) {
    EXPECT_EQ(modeOf(dir_.file("certs/") + name), 0644u) << name;
  }
  for (const char* name : {"ca.key", "tls.key"}) {
    EXPECT_EQ(modeOf(dir_.file("certs/") + name), 0600u) << name;
  }
  const CommandRun check =
      certs({"check", "--cert", dir_.file("certs/tls.crt"), "--ca", dir_.file("certs/ca.crt"),
             "--service", "berth-webhook", "--namespace", "berth-system", "--min-days", "60"});
  EXPECT_EQ(check.code, 0) << check.out;
  EXPECT_NE(check.out.find("hook.example.com"), std::string::npos);
  EXPECT_NE(check.out.find("ok\n"), std::string::npos);
}

TEST_F(CertsCommandTest, GenerateAddsIpAddressSans) {
  ASSERT_EQ(certs(generateArgs({"--ip", "127.0.0.1", "--ip", "::1"})).code, 0);
  const std::string pem = readFile(dir_.file("certs/tls.crt"));
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "::1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "10.0.0.1", 0), 0);
  X509_free(cert);
  expectUsageError(generateArgs({"--ip", "localhost"}), "--ip 'localhost' is not an IPv4 or IPv6");
}

TEST_F(CertsCommandTest, GenerateOverwritesKeysThatWereReadable) {
  std::filesystem::create_directories(dir_.file("certs"));
  dir_.write("certs/tls.key", "old");
  chmod(dir_.file("certs/tls.key").c_str(), 0644);
  ASSERT_EQ(certs(generateArgs()).code, 0);
  EXPECT_EQ(modeOf(dir_.file("certs/tls.key")), 0600u);
  EXPECT_NE(readFile(dir_.file("certs/tls.key")), "old");
}

TEST_F(CertsCommandTest, SecretPrintsAKubernetesTlsSecret) {
  const CommandRun run = certs(generateArgs({"--secret", "--key-type", "rsa"}));
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out.rfind("apiVersion: v1\nkind: Secret\n", 0), 0u) << run.out;
  EXPECT_NE(run.out.find("  name: berth-webhook-tls\n  namespace: berth-system\n"),
            std::string::npos);
  EXPECT_NE(run.out.find("type: kubernetes.io/tls\n"), std::string::npos);
  // The summary goes to standard error so that standard output can be piped to kubectl.
  EXPECT_NE(run.err.find("wrote"), std::string::npos);
  for (const char* key : {"tls.crt", "tls.key", "ca.crt"}) {
    const std::string marker = std::string("  ") + key + ": ";
    const size_t at = run.out.find(marker);
    ASSERT_NE(at, std::string::npos) << key;
    const size_t end = run.out.find('\n', at);
    const std::string value = run.out.substr(at + marker.size(), end - at - marker.size());
    EXPECT_EQ(decodeBase64(value), readFile(dir_.file("certs/") + key)) << key;
  }
  EXPECT_NE(readFile(dir_.file("certs/tls.key")).find("BEGIN PRIVATE KEY"), std::string::npos);
  const CommandRun named = certs(generateArgs({"--secret", "--secret-name", "webhook-certs"}));
  EXPECT_NE(named.out.find("  name: webhook-certs\n"), std::string::npos);
}

TEST_F(CertsCommandTest, CaBundlePrintsTheCaInBase64OnOneLine) {
  const CommandRun run = certs(generateArgs({"--ca-bundle"}));
  ASSERT_EQ(run.code, 0) << run.err;
  ASSERT_FALSE(run.out.empty());
  EXPECT_EQ(run.out.find('\n'), run.out.size() - 1);
  EXPECT_EQ(decodeBase64(run.out.substr(0, run.out.size() - 1)),
            readFile(dir_.file("certs/ca.crt")));
}

TEST_F(CertsCommandTest, GenerateUsageErrors) {
  expectUsageError({"generate", "--namespace", "ns", "--out", "d"}, "--service is required");
  expectUsageError({"generate", "--service", "s", "--out", "d"}, "--namespace is required");
  expectUsageError({"generate", "--service", "s", "--namespace", "ns"}, "--out is required");
  expectUsageError(generateArgs({"--frobnicate"}), "unknown flag --frobnicate");
  expectUsageError(generateArgs({"extra"}), "unexpected argument 'extra'");
  expectUsageError({"generate", "--service", "Berth_Hook", "--namespace", "ns", "--out", "d"},
                   "--service 'Berth_Hook' is not a valid Service name");
  expectUsageError({"generate", "--service", "s", "--namespace", "-ns", "--out", "d"},
                   "--namespace '-ns' is not a valid namespace name");
  expectUsageError(generateArgs({"--dns", "bad..name"}), "--dns 'bad..name' is not a valid");
  expectUsageError(generateArgs({"--days", "0"}), "--days must be a whole number");
  expectUsageError(generateArgs({"--days", "ten"}), "--days must be a whole number");
  expectUsageError(generateArgs({"--days", "36501"}), "--days must be a whole number");
  expectUsageError(generateArgs({"--days", "-5"}), "--days must be a whole number");
  expectUsageError(generateArgs({"--key-type", "dsa"}), "--key-type must be ecdsa or rsa");
  expectUsageError(generateArgs({"--secret", "--ca-bundle"}), "choose one");
  expectUsageError(generateArgs({"--secret-name", "x"}), "--secret-name needs --secret");
  // Nothing was written by any of them.
  EXPECT_FALSE(std::filesystem::exists(dir_.file("certs")));
}

TEST_F(CertsCommandTest, GenerateFailsWhenTheOutputDirectoryCannotBeMade) {
  dir_.write("file", "x");
  const CommandRun run =
      certs({"generate", "--service", "s", "--namespace", "ns", "--out", dir_.file("file")});
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.err.find("cannot create the directory"), std::string::npos) << run.err;
}

TEST_F(CertsCommandTest, CheckUsageErrors) {
  expectUsageError({"check"}, "--cert is required");
  expectUsageError({"check", "--cert", "c", "--service", "s"}, "go together");
  expectUsageError({"check", "--cert", "c", "--namespace", "n"}, "go together");
  expectUsageError({"check", "--cert", "c", "--min-days", "x"}, "--min-days must be");
  expectUsageError({"check", "--cert", "c", "positional"}, "unexpected argument");
  expectUsageError({"check", "--cert", dir_.file("absent.crt")}, "cannot read");
  expectUsageError({"check", "--kert", "c"}, "unknown flag --kert");
}

TEST_F(CertsCommandTest, CheckExitsOneAndListsProblems) {
  ASSERT_EQ(certs(generateArgs({"--days", "5"})).code, 0);
  const CommandRun run = certs({"check", "--cert", dir_.file("certs/tls.crt"), "--service", "other",
                                "--namespace", "berth-system", "--min-days", "30"});
  EXPECT_EQ(run.code, 1);
  // 5 days, or 4 when a second boundary passed since generation.
  EXPECT_TRUE(run.out.find("problem: certificate expires in 5 days, fewer than --min-days 30") !=
                  std::string::npos ||
              run.out.find("problem: certificate expires in 4 days, fewer than --min-days 30") !=
                  std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("problem: the certificate does not cover other.berth-system.svc"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("FAILED"), std::string::npos);
}

}  // namespace
}  // namespace berth::webhook_certs
