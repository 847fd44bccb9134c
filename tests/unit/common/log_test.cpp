#include "common/log.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace berth::common {
namespace {

std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buffer[1024];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) out.append(buffer, n);
  return out;
}

TEST(LoggerTest, WritesOneJsonObjectPerLineAboveTheLevel) {
  std::FILE* f = std::tmpfile();
  Logger logger(LogLevel::Info, f);
  logger.debug("hidden");
  logger.info("shown", {{"port", 5000}});
  logger.error("bad \xff utf8");
  const std::string text = contents(f);
  std::fclose(f);
  EXPECT_EQ(text.find("hidden"), std::string::npos);
  const auto first = nlohmann::json::parse(text.substr(0, text.find('\n')));
  EXPECT_EQ(first["level"], "info");
  EXPECT_EQ(first["msg"], "shown");
  EXPECT_EQ(first["port"], 5000);
  EXPECT_TRUE(first["time"].get<std::string>().ends_with("Z"));
  EXPECT_NE(text.find("\"level\":\"error\""), std::string::npos);
}

// Durations print as short decimals in log lines: 91.94 µs is "0.092" ms, never
// "0.09194000000000001".
TEST(LoggerTest, DurationsPrintAsShortMilliseconds) {
  std::FILE* f = std::tmpfile();
  Logger logger(LogLevel::Info, f);
  logger.info("timed",
              {{"durationMs", logMilliseconds(0.00009194)}, {"slowMs", logMilliseconds(1.5)}});
  const std::string text = contents(f);
  std::fclose(f);
  EXPECT_NE(text.find("\"durationMs\":0.092,"), std::string::npos) << text;
  EXPECT_NE(text.find("\"slowMs\":1500.0"), std::string::npos) << text;
  EXPECT_EQ(logMilliseconds(0.0001234567), 0.123);
}

TEST(LoggerTest, LevelNames) {
  EXPECT_EQ(*parseLogLevel("warning"), LogLevel::Warn);
  EXPECT_FALSE(parseLogLevel("verbose"));
}

}  // namespace
}  // namespace berth::common
