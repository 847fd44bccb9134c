#include "common/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace berth::common {
namespace {

TEST(MetricsTest, RendersPrometheusText) {
  Metrics metrics;
  metrics.counter("requests_total", "Requests", {{"op", "pull"}, {"code", "200"}}).inc(3);
  metrics.gauge("stored_bytes", "Bytes").set(42);
  auto& h = metrics.histogram("latency_seconds", "Latency", {}, {0.1, 1.0});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  metrics.gauge("ratio", "A fraction").set(0.3);
  metrics.counter("big_total", "Many").inc(123456789);
  const std::string text = metrics.render();
  EXPECT_NE(
      text.find("# TYPE requests_total counter\nrequests_total{op=\"pull\",code=\"200\"} 3\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("stored_bytes 42\n"), std::string::npos);
  // Shortest round-trip numbers: the bound PromQL names (le="0.1") and whole counts in full.
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ratio 0.3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("big_total 123456789\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_count 3\n"), std::string::npos);
}

TEST(MetricsTest, SameSeriesIsSameObjectAndLabelValuesAreEscaped) {
  Metrics metrics;
  Counter& a = metrics.counter("c", "h", {{"k", "v\"x"}});
  Counter& b = metrics.counter("c", "h", {{"k", "v\"x"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(metrics.render().find("c{k=\"v\\\"x\"} 0"), std::string::npos);
}

TEST(MetricsTest, OneNameTwoKindsIsAProgrammingError) {
  Metrics metrics;
  metrics.counter("x", "h");
  EXPECT_THROW(metrics.gauge("x", "h"), std::logic_error);
}

TEST(MetricsTest, ConcurrentIncrementsAreNotLost) {
  Metrics metrics;
  Counter& c = metrics.counter("c", "h");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000);
}

}  // namespace
}  // namespace berth::common
