// Crash safety: SIGKILL the server while many clients push, restart it on the same storage and
// check that every visible tag points at a complete manifest and every blob matches its digest.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "common/oci/digest.h"
#include "tests/integration/registry_test_support.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::testing {
namespace {

using nlohmann::json;

constexpr int kPushers = 50;  // concurrent clients, as the reliability issue asks
constexpr int kKills = 5;

std::string randomBytes(std::mt19937& rng, size_t size) {
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

// One client pushing images until the server dies: chunked and monolithic blob uploads, a
// layer shared by every pusher, per-pusher tags and one tag all pushers fight over.
void pushUntilFailure(int port, int id, std::atomic<int>& pushed) {
  std::mt19937 rng(static_cast<unsigned>(id * 7919 + 1));
  try {
    HttpClient c("127.0.0.1", port);
    const std::string shared(1 << 20, 's');
    for (int round = 0;; ++round) {
      const std::string repo = "crash/r" + std::to_string(id % 3);
      const std::string config = R"({"os":"linux","pusher":)" + std::to_string(id) +
                                 R"(,"round":)" + std::to_string(round) + "}";
      const std::string layer = randomBytes(rng, 64 * 1024 + rng() % (1 << 20));
      pushBlob(c, repo, config);
      pushBlob(c, repo, shared);
      // Chunked upload of the big layer.
      auto start = c.request("POST", "/v2/" + repo + "/blobs/uploads/");
      if (start.status != 202) return;
      const std::string location = start.header("Location");
      const size_t half = layer.size() / 2;
      c.request("PATCH", location, layer.substr(0, half),
                {{"Content-Range", "0-" + std::to_string(half - 1)}});
      c.request("PUT", location + "?digest=" + sha256Of(layer), layer.substr(half));
      const std::string manifest = imageManifest(config, {shared, layer});
      putManifest(c, repo, "p" + std::to_string(id) + "-" + std::to_string(round), manifest);
      putManifest(c, repo, "shared", manifest);
      ++pushed;
    }
  } catch (const std::exception&) {
    // The server was killed: expected.
  }
}

void verifyStore(int port, const std::string& storage, size_t& tagsChecked) {
  HttpClient c("127.0.0.1", port);
  const auto catalog = json::parse(c.get("/v2/_catalog").body);
  for (const auto& repoJson : catalog.at("repositories")) {
    const std::string repo = repoJson.get<std::string>();
    const auto tags = json::parse(c.get("/v2/" + repo + "/tags/list").body).at("tags");
    for (const auto& tagJson : tags) {
      const std::string tag = tagJson.get<std::string>();
      auto m = c.get("/v2/" + repo + "/manifests/" + tag);
      ASSERT_EQ(m.status, 200) << repo << ":" << tag;
      ASSERT_EQ(sha256Of(m.body), m.header("Docker-Content-Digest")) << repo << ":" << tag;
      const auto manifest = json::parse(m.body);
      std::vector<json> descriptors = {manifest.at("config")};
      for (const auto& l : manifest.at("layers")) descriptors.push_back(l);
      for (const auto& d : descriptors) {
        auto blob = c.get("/v2/" + repo + "/blobs/" + d.at("digest").get<std::string>());
        ASSERT_EQ(blob.status, 200) << repo << ":" << tag << " " << d.dump();
        EXPECT_EQ(sha256Of(blob.body), d.at("digest").get<std::string>());
        EXPECT_EQ(blob.body.size(), d.at("size").get<size_t>());
      }
      ++tagsChecked;
    }
  }
  // Every blob on disk, whether referenced or not, holds exactly its digest's bytes.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(storage + "/blobs")) {
    if (!entry.is_regular_file() || entry.path().filename() != "data") continue;
    const std::string hex = entry.path().parent_path().filename().string();
    EXPECT_EQ(sha256Of(readFile(entry.path().string())), "sha256:" + hex) << entry.path();
  }
}

TEST(RegistryCrashTest, KillDuringConcurrentPushesLeavesNothingTorn) {
  TempDir dir;
  const std::string storage = dir.file("storage");
  size_t tagsChecked = 0;
  size_t lastTags = 0;
  int pushesCompleted = 0;
  // The moment of each kill is random (and printed, to replay a failure by hand).
  std::random_device seed;
  const unsigned killSeed = seed();
  std::mt19937 killTimes(killSeed);
  SCOPED_TRACE("kill seed " + std::to_string(killSeed));
  for (int cycle = 0; cycle < kKills; ++cycle) {
    auto server =
        std::make_unique<BerthServer>(std::vector<std::string>{"--storage", storage}, dir.path());
    std::atomic<int> pushed{0};
    std::vector<std::thread> pushers;
    for (int i = 0; i < kPushers; ++i) {
      pushers.emplace_back(pushUntilFailure, server->registryPort(), i + cycle * kPushers,
                           std::ref(pushed));
    }
    // Let some pushes complete, then kill at an arbitrary moment in the middle of others.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (pushed.load() < 4 + cycle * 3 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(killTimes() % 500));
    server->process().kill();
    for (auto& t : pushers) t.join();
    EXPECT_GT(pushed.load(), 0);
    pushesCompleted += pushed.load();

    auto restarted =
        std::make_unique<BerthServer>(std::vector<std::string>{"--storage", storage}, dir.path());
    size_t tags = 0;
    verifyStore(restarted->registryPort(), storage, tags);
    tagsChecked += tags;
    lastTags = tags + 1;  // and the one pushed next
    // The restarted registry still accepts pushes.
    HttpClient c("127.0.0.1", restarted->registryPort());
    pushImage(c, "crash/after", "v" + std::to_string(cycle), "after restart");
  }
  EXPECT_GT(tagsChecked, 10u);

  // berth gc agrees: it walks every repository, tag and manifest without a complaint, deletes
  // only what nothing references, and every tag is still complete afterwards.
  auto gc = runCommand(
      {berthBinary(), "gc", "--storage", storage, "--grace-period", "0", "--upload-expiry", "0"});
  ASSERT_EQ(gc.exitCode, 0) << gc.err;
  EXPECT_EQ(gc.err, "") << "gc reported problems";
  EXPECT_NE(gc.out.find("manifests: "), std::string::npos) << gc.out;
  auto after =
      std::make_unique<BerthServer>(std::vector<std::string>{"--storage", storage}, dir.path());
  size_t tagsAfterGc = 0;
  verifyStore(after->registryPort(), storage, tagsAfterGc);
  EXPECT_EQ(tagsAfterGc, lastTags);
  std::cout << "crash test: " << kKills << " kills during " << kPushers << " concurrent pushers, "
            << pushesCompleted << " images pushed, " << tagsChecked << " tag checks; gc:\n"
            << gc.out.substr(gc.out.find("repositories: ")) << std::flush;
}

}  // namespace
}  // namespace berth::testing
