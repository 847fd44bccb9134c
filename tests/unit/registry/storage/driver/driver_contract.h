#pragma once

// The StorageDriver contract: what the registry's stores rely on, checked the same way on every
// driver (the filesystem, the S3 driver on the in-memory fake, and on a real radosgw in
// tests/e2e/s3). Include from exactly one test file per binary and instantiate
// StorageDriverContract with a factory of DriverEnvironment.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "registry/storage/driver/storage_driver.h"

namespace berth::registry::contract {

// One store; open() gives a new driver on it, as another replica would have.
class DriverEnvironment {
 public:
  virtual ~DriverEnvironment() = default;
  virtual std::unique_ptr<StorageDriver> open() = 0;
};

struct DriverCase {
  std::string name;
  std::function<std::unique_ptr<DriverEnvironment>()> make;
};

inline std::string patternBytes(size_t size, uint32_t seed) {
  std::string out(size, '\0');
  std::mt19937 random(seed);
  for (auto& c : out) c = static_cast<char>(random());
  return out;
}

inline std::string readAll(StorageDriver& driver, const std::string& path, uint64_t offset = 0) {
  auto reader = driver.reader(path, offset);
  EXPECT_TRUE(reader) << path << ": " << reader.error().detail;
  if (!reader) return {};
  std::string out;
  std::string buffer(300 << 10, '\0');  // not a divisor of any window or part size
  while (true) {
    auto n = (*reader)->read(buffer.data(), buffer.size());
    EXPECT_TRUE(n) << n.error().detail;
    if (!n || *n == 0) break;
    out.append(buffer.data(), *n);
  }
  return out;
}

inline int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class StorageDriverContract : public ::testing::TestWithParam<DriverCase> {
 protected:
  void SetUp() override {
    environment_ = GetParam().make();
    // A store that is not there (no S3 server in this run) skips rather than fails.
    if (!environment_) GTEST_SKIP() << GetParam().name << " is not available";
    driver_ = environment_->open();
  }
  void append(StorageDriver& driver, const std::string& path, std::string_view bytes,
              bool create = false) {
    auto writer = driver.writer(path, !create);
    ASSERT_TRUE(writer) << writer.error().detail;
    // Pieces of an odd size, as request bodies arrive.
    for (size_t at = 0; at < bytes.size(); at += 777777) {
      ASSERT_TRUE((*writer)->write(bytes.substr(at, 777777)));
    }
    ASSERT_TRUE((*writer)->commit());
  }

  std::unique_ptr<DriverEnvironment> environment_;
  std::unique_ptr<StorageDriver> driver_;
};

TEST_P(StorageDriverContract, PutThenGetReturnsTheContent) {
  ASSERT_TRUE(driver_->putContent("/a/b/link", "sha256:abc"));
  auto got = driver_->getContent("/a/b/link", 1024);
  ASSERT_TRUE(got) << got.error().detail;
  EXPECT_EQ(*got, "sha256:abc");
  ASSERT_TRUE(driver_->putContent("/a/b/link", "x"));
  EXPECT_EQ(driver_->getContent("/a/b/link", 1024).value_or(""), "x");
  ASSERT_TRUE(driver_->putContent("/a/empty", ""));
  EXPECT_EQ(driver_->getContent("/a/empty", 1024).value_or("?"), "");
}

TEST_P(StorageDriverContract, GetOfMissingIsNotFoundAndTooLargeFails) {
  auto missing = driver_->getContent("/nothing/here", 1024);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, common::ErrorCode::NotFound);
  ASSERT_TRUE(driver_->putContent("/big", std::string(2000, 'x')));
  EXPECT_FALSE(driver_->getContent("/big", 1000));
  EXPECT_TRUE(driver_->getContent("/big", 2000));
}

TEST_P(StorageDriverContract, StatTellsFilesFromDirectories) {
  ASSERT_TRUE(driver_->putContent("/repositories/team/app/_layers/link", "12345"));
  auto file = driver_->stat("/repositories/team/app/_layers/link");
  ASSERT_TRUE(file) << file.error().detail;
  EXPECT_FALSE(file->isDirectory);
  EXPECT_EQ(file->size, 5u);
  EXPECT_LE(std::abs(file->modifiedUnixSeconds - nowSeconds()), 120);
  for (const char* dir : {"/repositories", "/repositories/team", "/repositories/team/app"}) {
    auto info = driver_->stat(dir);
    ASSERT_TRUE(info) << dir;
    EXPECT_TRUE(info->isDirectory) << dir;
  }
  auto missing = driver_->stat("/repositories/team/other");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, common::ErrorCode::NotFound);
  // A name that is a prefix of an existing one is not a directory.
  EXPECT_FALSE(driver_->stat("/repositories/tea"));
}

TEST_P(StorageDriverContract, ListNamesEachChildOnce) {
  for (const char* path : {"/r/one/link", "/r/one/deeper/x", "/r/two", "/r/three/a", "/r/three/b",
                           "/rx/not-a-child"}) {
    ASSERT_TRUE(driver_->putContent(path, "x")) << path;
  }
  auto names = driver_->list("/r");
  ASSERT_TRUE(names) << names.error().detail;
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"one", "three", "two"}));
  auto missing = driver_->list("/r/none");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, common::ErrorCode::NotFound);
}

TEST_P(StorageDriverContract, NewWriterMakesAnEmptyFile) {
  auto writer = driver_->writer("/up/1/data", false);
  ASSERT_TRUE(writer) << writer.error().detail;
  EXPECT_EQ((*writer)->size(), 0u);
  ASSERT_TRUE((*writer)->commit());
  auto info = driver_->stat("/up/1/data");
  ASSERT_TRUE(info) << info.error().detail;
  EXPECT_EQ(info->size, 0u);
  EXPECT_FALSE(info->isDirectory);
  EXPECT_EQ(readAll(*driver_, "/up/1/data"), "");
  auto names = driver_->list("/up/1");
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, std::vector<std::string>{"data"});
}

TEST_P(StorageDriverContract, AppendsFromSeveralReplicasJoinUpAndMove) {
  auto other = environment_->open();
  const std::string bytes = patternBytes(17 << 20, 7);
  const std::string path = "/repositories/app/_uploads/u1/data";
  append(*driver_, path, std::string_view(bytes).substr(0, 3 << 20), true);
  append(*other, path, std::string_view(bytes).substr(3 << 20, 4 << 20));
  append(*driver_, path, std::string_view(bytes).substr(7 << 20, 9 << 20));
  append(*other, path, std::string_view(bytes).substr(16 << 20));
  auto info = other->stat(path);
  ASSERT_TRUE(info) << info.error().detail;
  EXPECT_EQ(info->size, bytes.size());
  EXPECT_LE(std::abs(info->modifiedUnixSeconds - nowSeconds()), 120);
  {
    auto writer = driver_->writer(path, true);
    ASSERT_TRUE(writer);
    EXPECT_EQ((*writer)->size(), bytes.size());
  }
  EXPECT_TRUE(readAll(*other, path) == bytes);
  EXPECT_TRUE(readAll(*driver_, path, 5000000) == bytes.substr(5000000));
  ASSERT_TRUE(other->move(path, "/blobs/sha256/ab/abcd/data"));
  EXPECT_FALSE(driver_->stat(path));
  auto moved = driver_->stat("/blobs/sha256/ab/abcd/data");
  ASSERT_TRUE(moved) << moved.error().detail;
  EXPECT_EQ(moved->size, bytes.size());
  EXPECT_TRUE(readAll(*driver_, "/blobs/sha256/ab/abcd/data") == bytes);
  EXPECT_TRUE(readAll(*driver_, "/blobs/sha256/ab/abcd/data", bytes.size() - 10) ==
              bytes.substr(bytes.size() - 10));
}

TEST_P(StorageDriverContract, ManySmallAppendsStayAssemblable) {
  const std::string bytes = patternBytes(6500000, 11);
  const std::string path = "/up/small/data";
  append(*driver_, path, "", true);
  for (size_t at = 0; at < bytes.size(); at += 650000) {
    auto replica = environment_->open();
    append(*replica, path, std::string_view(bytes).substr(at, 650000));
  }
  EXPECT_EQ(driver_->stat(path).value_or(FileInfo{}).size, bytes.size());
  ASSERT_TRUE(driver_->move(path, "/final/data"));
  EXPECT_TRUE(driver_->getContent("/final/data", 8 << 20).value_or("") == bytes);
}

TEST_P(StorageDriverContract, TruncatingWriterStartsOver) {
  append(*driver_, "/up/t/data", patternBytes(1000, 1), true);
  append(*driver_, "/up/t/data", "fresh", true);
  EXPECT_EQ(readAll(*driver_, "/up/t/data"), "fresh");
}

TEST_P(StorageDriverContract, ReaderStartsAtOffsetAndEndsCleanly) {
  const std::string bytes = patternBytes(3 << 20, 3);
  ASSERT_TRUE(driver_->putContent("/f", bytes));
  EXPECT_TRUE(readAll(*driver_, "/f", 1234567) == bytes.substr(1234567));
  EXPECT_EQ(readAll(*driver_, "/f", bytes.size()), "");
  EXPECT_EQ(readAll(*driver_, "/f", bytes.size() + 100), "");
  auto missing = driver_->reader("/no/such/file", 0);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, common::ErrorCode::NotFound);
}

TEST_P(StorageDriverContract, MoveReplacesTheTarget) {
  ASSERT_TRUE(driver_->putContent("/m/from", "new"));
  ASSERT_TRUE(driver_->putContent("/m/to/data", "old"));
  ASSERT_TRUE(driver_->move("/m/from", "/m/to/data"));
  EXPECT_EQ(driver_->getContent("/m/to/data", 100).value_or(""), "new");
  EXPECT_FALSE(driver_->stat("/m/from"));
  auto missing = driver_->move("/m/from", "/m/elsewhere");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, common::ErrorCode::NotFound);
}

TEST_P(StorageDriverContract, RemoveTakesAFileOrATree) {
  for (const char* path : {"/t/a/link", "/t/a/b/link", "/t/c", "/tx"}) {
    ASSERT_TRUE(driver_->putContent(path, "x"));
  }
  append(*driver_, "/t/a/_uploads/u/data", patternBytes(100, 2), true);
  ASSERT_TRUE(driver_->remove("/t/c"));
  EXPECT_FALSE(driver_->stat("/t/c"));
  ASSERT_TRUE(driver_->remove("/t/a"));
  EXPECT_FALSE(driver_->stat("/t/a"));
  EXPECT_FALSE(driver_->stat("/t/a/_uploads/u/data"));
  EXPECT_TRUE(driver_->remove("/t/never"));
  EXPECT_TRUE(driver_->stat("/tx"));
}

TEST_P(StorageDriverContract, TouchNeedsAnExistingFile) {
  ASSERT_TRUE(driver_->putContent("/touched", "x"));
  EXPECT_TRUE(driver_->touch("/touched"));
  EXPECT_EQ(driver_->getContent("/touched", 10).value_or(""), "x");
  auto missing = driver_->touch("/untouched");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, common::ErrorCode::NotFound);
}

TEST_P(StorageDriverContract, PutIfAbsentCreatesOnceAndNeverReplaces) {
  const std::string path = "/repositories/app/_manifests/tags/v1/current/link";
  auto created = driver_->putIfAbsent(path, "sha256:first");
  ASSERT_TRUE(created) << created.error().detail;
  EXPECT_EQ(*created, CreateOutcome::Created);
  EXPECT_EQ(driver_->getContent(path, 100).value_or(""), "sha256:first");
  // A second writer, through another replica, finds it and changes nothing.
  auto other = environment_->open();
  auto again = other->putIfAbsent(path, "sha256:second");
  ASSERT_TRUE(again) << again.error().detail;
  EXPECT_EQ(*again, CreateOutcome::Exists);
  EXPECT_EQ(driver_->getContent(path, 100).value_or(""), "sha256:first");
  // The same bytes again are no exception: the file exists.
  EXPECT_EQ(driver_->putIfAbsent(path, "sha256:first").value_or(CreateOutcome::Created),
            CreateOutcome::Exists);
  // It is a file like any other: listed once, removable, creatable again after removal.
  EXPECT_EQ(driver_->list("/repositories/app/_manifests/tags").value_or(std::vector<std::string>{}),
            std::vector<std::string>{"v1"});
  ASSERT_TRUE(driver_->remove("/repositories/app/_manifests/tags/v1"));
  EXPECT_EQ(other->putIfAbsent(path, "sha256:third").value_or(CreateOutcome::Exists),
            CreateOutcome::Created);
  EXPECT_EQ(driver_->getContent(path, 100).value_or(""), "sha256:third");
  // putContent still replaces what putIfAbsent made.
  ASSERT_TRUE(driver_->putContent(path, "sha256:fourth"));
  EXPECT_EQ(other->getContent(path, 100).value_or(""), "sha256:fourth");
}

TEST_P(StorageDriverContract, ConcurrentPutIfAbsentHasExactlyOneWinner) {
  // Few enough replicas that their keep-alive connections do not fill the fake S3's threads.
  constexpr int kWriters = 4;
  constexpr int kRounds = 8;
  std::vector<std::unique_ptr<StorageDriver>> replicas;
  for (int i = 0; i < kWriters; ++i) replicas.push_back(environment_->open());
  for (int round = 0; round < kRounds; ++round) {
    const std::string path = "/race/" + std::to_string(round) + "/link";
    std::vector<std::thread> threads;
    std::vector<int> outcomes(kWriters, -1);  // 0 Created, 1 Exists, 2 error
    std::atomic<bool> go{false};
    for (int i = 0; i < kWriters; ++i) {
      threads.emplace_back([&, i] {
        while (!go.load()) std::this_thread::yield();
        auto outcome = replicas[i]->putIfAbsent(path, "writer-" + std::to_string(i));
        outcomes[i] = !outcome ? 2 : *outcome == CreateOutcome::Created ? 0 : 1;
      });
    }
    go = true;
    for (auto& thread : threads) thread.join();
    int winner = -1;
    for (int i = 0; i < kWriters; ++i) {
      ASSERT_NE(outcomes[i], 2) << "writer " << i << " failed in round " << round;
      if (outcomes[i] == 0) {
        EXPECT_EQ(winner, -1) << "writers " << winner << " and " << i << " both created " << path;
        winner = i;
      }
    }
    ASSERT_NE(winner, -1) << "no writer created " << path;
    EXPECT_EQ(driver_->getContent(path, 100).value_or(""), "writer-" + std::to_string(winner));
  }
}

}  // namespace berth::registry::contract
