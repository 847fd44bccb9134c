#include "common/http/elastic_thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <memory>
#include <vector>

#include "common/http/server.h"
#include "tests/unit/http/raw_client.h"

namespace berth::http {
namespace {

using namespace std::chrono_literals;

TEST(ElasticThreadPoolTest, AJobThatFindsNoIdleThreadGetsANewOne) {
  ElasticThreadPool pool(2, 16, 60s);
  constexpr int kBlocking = 10;
  std::latch started(kBlocking);
  std::promise<void> release;
  auto released = release.get_future().share();
  for (int i = 0; i < kBlocking; ++i) {
    pool.enqueue([&started, released] {
      started.count_down();
      released.wait();
    });
  }
  // With a fixed pool of 2 this would wait forever: eight jobs would sit in the queue.
  started.wait();
  EXPECT_EQ(pool.threadCount(), static_cast<size_t>(kBlocking));
  release.set_value();
  pool.shutdown();
}

TEST(ElasticThreadPoolTest, NeverRunsMoreThanMaxAtOnceAndStillRunsEveryJob) {
  ElasticThreadPool pool(1, 3, 60s);
  std::atomic<int> running{0}, peak{0}, done{0};
  for (int i = 0; i < 30; ++i) {
    pool.enqueue([&] {
      const int now = ++running;
      int seen = peak.load();
      while (now > seen && !peak.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(2ms);
      --running;
      ++done;
    });
  }
  pool.shutdown();  // runs what is queued, then joins
  EXPECT_EQ(done.load(), 30);
  EXPECT_LE(peak.load(), 3);
  EXPECT_GE(peak.load(), 2);
}

TEST(ElasticThreadPoolTest, AddedThreadsEndAfterIdlingAndTheCoreStays) {
  ElasticThreadPool pool(2, 16, 50ms);
  std::latch started(6);
  std::promise<void> release;
  auto released = release.get_future().share();
  for (int i = 0; i < 6; ++i) {
    pool.enqueue([&started, released] {
      started.count_down();
      released.wait();
    });
  }
  started.wait();
  ASSERT_EQ(pool.threadCount(), 6u);
  release.set_value();
  for (int i = 0; i < 400 && pool.threadCount() > 2; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(pool.threadCount(), 2u);
  // Retired threads were handed over for joining; new work still runs.
  std::promise<void> ran;
  pool.enqueue([&ran] { ran.set_value(); });
  EXPECT_EQ(ran.get_future().wait_for(10s), std::future_status::ready);
}

// The server's case: requests that each hold a thread until their response is done (a blob
// download), more of them at once than core threads.
TEST(ElasticThreadPoolTest, AServerAnswersMoreConcurrentRequestsThanCoreThreads) {
  common::Logger logger(common::LogLevel::Error, stderr);
  ServerOptions options;
  options.threads = 2;
  options.maxThreads = 64;
  Server server(options, logger);
  constexpr int kClients = 8;
  std::latch inside(kClients);
  server.router().add("GET", "/",
                      [&inside](const ServerRequest&, ServerResponse& res, BodyReader&) {
                        // Every request waits for all the others to be inside a handler at the same
                        // time.
                        inside.count_down();
                        inside.wait();
                        res.setContent("ok", "text/plain");
                      });
  auto port = server.bind("127.0.0.1", 0);
  ASSERT_TRUE(port);
  ASSERT_TRUE(server.start());
  std::vector<std::unique_ptr<test::RawClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<test::RawClient>(*port));
    ASSERT_TRUE(clients.back()->send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  }
  for (auto& c : clients) EXPECT_EQ(test::statusOf(c->readResponse(10000)), 200);
  EXPECT_GE(server.workers(), static_cast<size_t>(kClients));
  server.stop();
}

}  // namespace
}  // namespace berth::http
