// Real clients against `berth serve`: an image built with umoci, pushed and pulled with skopeo
// and podman. A missing tool fails the test: these are the registry's acceptance criteria.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/registry_test_support.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::testing {
namespace {

using nlohmann::json;

CommandResult run(const std::vector<std::string>& argv) {
  auto result = runCommand(argv);
  std::string line;
  for (const auto& a : argv) line += a + " ";
  EXPECT_EQ(result.exitCode, 0) << line << "\n" << result.out << result.err;
  return result;
}

// An OCI layout at DIR/layout:v1 holding a one-layer image.
void buildImage(const TempDir& dir) {
  const std::string image = dir.file("layout") + ":v1";
  run({"umoci", "init", "--layout", dir.file("layout")});
  run({"umoci", "new", "--image", image});
  dir.write("src/hello.txt", "hello from berth\n");
  dir.write("src/data.bin", std::string(3 << 20, 'd'));  // a layer worth streaming
  run({"umoci", "insert", "--image", image, dir.file("src"), "/app"});
  run({"umoci", "config", "--image", image, "--config.cmd", "/app/hello.txt", "--config.label",
       "dev.berth.test=tools"});
}

std::string layoutManifestDigest(const std::string& layout) {
  const auto index = json::parse(readFile(layout + "/index.json"));
  return index.at("manifests").at(0).at("digest").get<std::string>();
}

class RegistryToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"umoci", "skopeo", "podman"}) requireTool(tool);
    server_ = std::make_unique<BerthServer>(std::vector<std::string>{}, dir_.path());
    address_ = server_->registryAddress();
  }
  TempDir dir_;
  std::unique_ptr<BerthServer> server_;
  std::string address_;
};

TEST_F(RegistryToolsTest, SkopeoCopyInspectListTagsCopyBackDelete) {
  buildImage(dir_);
  const std::string ref = "docker://" + address_ + "/tools/skopeo/app";
  run({"skopeo", "copy", "--dest-tls-verify=false", "oci:" + dir_.file("layout") + ":v1",
       ref + ":v1"});
  run({"skopeo", "copy", "--dest-tls-verify=false", "oci:" + dir_.file("layout") + ":v1",
       ref + ":v2"});

  const auto inspect =
      json::parse(run({"skopeo", "inspect", "--tls-verify=false", ref + ":v1"}).out);
  const std::string digest = inspect.at("Digest").get<std::string>();
  EXPECT_EQ(digest, layoutManifestDigest(dir_.file("layout")));
  EXPECT_EQ(inspect.at("Labels").at("dev.berth.test"), "tools");

  const auto raw = run({"skopeo", "inspect", "--raw", "--tls-verify=false", ref + ":v1"}).out;
  EXPECT_EQ(sha256Of(raw), digest);  // the bytes come back exactly as pushed

  const auto tags = json::parse(run({"skopeo", "list-tags", "--tls-verify=false", ref}).out);
  EXPECT_EQ(tags.at("Tags"), json({"v1", "v2"}));

  run({"skopeo", "copy", "--src-tls-verify=false", ref + ":v1",
       "oci:" + dir_.file("back") + ":v1"});
  EXPECT_EQ(layoutManifestDigest(dir_.file("back")), digest);

  HttpClient client("127.0.0.1", server_->registryPort());
  run({"skopeo", "delete", "--tls-verify=false", ref + "@" + digest});
  EXPECT_EQ(client.request("HEAD", "/v2/tools/skopeo/app/manifests/" + digest).status, 404);
  EXPECT_NE(runCommand({"skopeo", "inspect", "--tls-verify=false", ref + ":v1"}).exitCode, 0);
}

TEST_F(RegistryToolsTest, PodmanPushAndPull) {
  buildImage(dir_);
  const std::vector<std::string> podman = {
      "podman",    "--storage-driver",         "vfs", "--root", dir_.file("podman-root"),
      "--runroot", dir_.file("podman-runroot")};
  auto cmd = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = podman;
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  };
  const std::string ref = address_ + "/tools/podman/app:v1";
  // podman names an image pulled from a layout after its path, which may not be a valid
  // reference (temporary directories have capitals): load it from a named archive instead.
  run({"skopeo", "copy", "oci:" + dir_.file("layout") + ":v1",
       "docker-archive:" + dir_.file("image.tar") + ":localhost/berth/app:v1"});
  cmd({"load", "--input", dir_.file("image.tar")});
  cmd({"tag", "localhost/berth/app:v1", ref});
  cmd({"push", "--tls-verify=false", ref});

  HttpClient client("127.0.0.1", server_->registryPort());
  const std::string accept =
      "application/vnd.oci.image.manifest.v1+json, "
      "application/vnd.docker.distribution.manifest.v2+json";
  auto head = client.request("HEAD", "/v2/tools/podman/app/manifests/v1", {}, {{"Accept", accept}});
  ASSERT_EQ(head.status, 200);
  const std::string digest = head.header("Docker-Content-Digest");

  cmd({"rmi", "--all", "--force"});
  cmd({"pull", "--tls-verify=false", ref});
  const auto images = json::parse(cmd({"images", "--format", "json"}).out);
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images.at(0).at("Digest"), digest);
}

}  // namespace
}  // namespace berth::testing
