#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "registry/audit/audit_log.h"
#include "registry/audit/line.h"
#include "tests/support/temp_dir.h"

namespace berth::registry {
namespace {

using berth::testing::readFile;
using berth::testing::TempDir;

AuditEvent sampleEvent() {
  AuditEvent event;
  event.clientAddress = "10.1.2.3";
  event.user = "alice";
  event.userAgent = "containerd/1.7";
  event.operation = AuditOperation::PullManifest;
  event.repository = "team/app";
  event.reference = "v1";
  event.digest = "sha256:abcd";
  event.status = 200;
  event.bytes = 1234;
  event.durationSeconds = 0.0125;
  return event;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(AuditLineTest, HasEveryFieldWithTheRightTypes) {
  const auto line =
      nlohmann::json::parse(formatAuditLine(sampleEvent(), "2024-05-01T10:00:00.000Z"));
  EXPECT_EQ(line["time"], "2024-05-01T10:00:00.000Z");
  EXPECT_EQ(line["client"], "10.1.2.3");
  EXPECT_EQ(line["user"], "alice");
  EXPECT_EQ(line["userAgent"], "containerd/1.7");
  EXPECT_EQ(line["operation"], "pull-manifest");
  EXPECT_EQ(line["repository"], "team/app");
  EXPECT_EQ(line["reference"], "v1");
  EXPECT_EQ(line["digest"], "sha256:abcd");
  EXPECT_EQ(line["status"], 200);
  EXPECT_EQ(line["bytes"], 1234);
  EXPECT_DOUBLE_EQ(line["durationMs"].get<double>(), 12.5);
  EXPECT_EQ(line.size(), 11u);
}

TEST(AuditLineTest, InvalidUtf8AndNewlinesStayOnOneLine) {
  AuditEvent event = sampleEvent();
  event.userAgent = "bad\xff\xfe agent\nsecond line";
  const std::string line = formatAuditLine(event, "t");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_TRUE(nlohmann::json::accept(line));
}

TEST(AuditLineTest, ParsesWhatItWrites) {
  auto record = parseAuditLine(formatAuditLine(sampleEvent(), "2024-05-01T10:00:00.250Z"));
  ASSERT_TRUE(record) << record.error().message;
  EXPECT_EQ(record->timeMillis, 1714557600250);
  EXPECT_EQ(record->user, "alice");
  EXPECT_EQ(record->bytes, 1234u);
  EXPECT_FALSE(parseAuditLine("not json"));
  EXPECT_FALSE(parseAuditLine("[1,2]"));
  EXPECT_FALSE(parseAuditLine(R"({"time":"yesterday"})"));
}

TEST(AuditLogTest, DisabledWhenPathIsEmpty) {
  auto log = AuditLog::open({});
  ASSERT_TRUE(log);
  EXPECT_FALSE((*log)->enabled());
  (*log)->record(sampleEvent());  // no effect, no crash
}

TEST(AuditLogTest, AppendsOneJsonLinePerEvent) {
  TempDir dir;
  const std::string path = dir.write("audit.log", "{\"existing\":true}\n");
  {
    auto log = AuditLog::open({path});
    ASSERT_TRUE(log) << log.error().message;
    EXPECT_TRUE((*log)->enabled());
    (*log)->record(sampleEvent());
    (*log)->record(sampleEvent());
  }
  const auto written = lines(readFile(path));
  ASSERT_EQ(written.size(), 3u);
  EXPECT_EQ(written[0], "{\"existing\":true}");  // appended, not truncated
  auto record = parseAuditLine(written[2]);
  ASSERT_TRUE(record) << record.error().message;
  EXPECT_EQ(record->repository, "team/app");
  EXPECT_GT(record->timeMillis, 1'700'000'000'000);  // now, from the real clock
}

TEST(AuditLogTest, OpenFailsForAnUnwritablePath) {
  TempDir dir;
  auto log = AuditLog::open({dir.file("no/such/dir/audit.log")});
  ASSERT_FALSE(log);
  EXPECT_NE(log.error().message.find("cannot open audit log"), std::string::npos);
}

TEST(AuditLogTest, ConcurrentWritersNeverInterleaveLines) {
  TempDir dir;
  const std::string path = dir.file("audit.log");
  constexpr int kThreads = 8;
  constexpr int kEvents = 250;
  {
    // Two logs on one file stand in for two processes sharing it.
    auto first = AuditLog::open({path});
    auto second = AuditLog::open({path});
    ASSERT_TRUE(first && second);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      AuditLog& log = t % 2 == 0 ? **first : **second;
      threads.emplace_back([&log, t] {
        AuditEvent event = sampleEvent();
        // Long lines make torn writes likely if writes were split.
        event.userAgent = std::string(3000, static_cast<char>('a' + t));
        for (int i = 0; i < kEvents; ++i) {
          event.reference = std::to_string(t) + "-" + std::to_string(i);
          log.record(event);
        }
      });
    }
    for (auto& thread : threads) thread.join();
  }
  const auto written = lines(readFile(path));
  ASSERT_EQ(written.size(), static_cast<size_t>(kThreads * kEvents));
  std::set<std::string> seen;
  for (const std::string& line : written) {
    auto record = parseAuditLine(line);
    ASSERT_TRUE(record) << line.substr(0, 200);
    const char expected = static_cast<char>('a' + std::stoi(record->reference));
    ASSERT_EQ(record->userAgent, std::string(3000, expected));
    seen.insert(record->reference);
  }
  EXPECT_EQ(seen.size(), written.size());
}

}  // namespace
}  // namespace berth::registry
