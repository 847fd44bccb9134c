// `berth gc` on a registry's storage: unreferenced blobs go, everything a tag needs stays.
#include <gtest/gtest.h>

#include "tests/integration/registry_test_support.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::testing {
namespace {

TEST(RegistryGcTest, CommandDeletesOnlyUnreferencedBlobs) {
  TempDir dir;
  const std::string storage = dir.file("storage");
  std::string manifestDigest;
  std::string orphan;
  {
    BerthServer server({"--storage", storage}, dir.path());
    HttpClient c("127.0.0.1", server.registryPort());
    manifestDigest = pushImage(c, "gc/app", "v1", "kept");
    orphan = pushBlob(c, "gc/app", "nobody references me");
    server.stop();
  }
  auto dry =
      runCommand({berthBinary(), "gc", "--storage", storage, "--grace-period", "0", "--dry-run"});
  ASSERT_EQ(dry.exitCode, 0) << dry.err;
  EXPECT_NE(dry.out.find("would delete " + orphan), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("blobs would delete: 1"), std::string::npos) << dry.out;

  // Inside the default grace period nothing is deleted: a push may still be under way.
  auto graced = runCommand({berthBinary(), "gc", "--storage", storage});
  ASSERT_EQ(graced.exitCode, 0) << graced.err;
  EXPECT_NE(graced.out.find("blobs deleted: 0"), std::string::npos) << graced.out;
  // ... and the report says what is held back, and until when.
  EXPECT_NE(graced.out.find("blobs held back by the grace period (3600 s): 1 (20 bytes), all "
                            "deletable after 20"),
            std::string::npos)
      << graced.out;
  EXPECT_EQ(dry.out.find("held back"), std::string::npos) << dry.out;

  auto real = runCommand({berthBinary(), "gc", "--storage", storage, "--grace-period", "0"});
  ASSERT_EQ(real.exitCode, 0) << real.err;
  EXPECT_NE(real.out.find("deleted " + orphan), std::string::npos) << real.out;

  BerthServer server({"--storage", storage}, dir.path());
  HttpClient c("127.0.0.1", server.registryPort());
  EXPECT_EQ(c.get("/v2/gc/app/blobs/" + orphan).status, 404);
  auto manifest = c.get("/v2/gc/app/manifests/v1");
  EXPECT_EQ(manifest.status, 200);
  EXPECT_EQ(manifest.header("Docker-Content-Digest"), manifestDigest);
  EXPECT_EQ(c.get("/v2/gc/app/blobs/" + sha256Of("layer of kept")).status, 200);

  auto usage = runCommand({berthBinary(), "gc"});
  EXPECT_EQ(usage.exitCode, 2);
  EXPECT_NE(usage.err.find("--storage"), std::string::npos);
}

}  // namespace
}  // namespace berth::testing
