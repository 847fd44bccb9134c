#include "server/elastic_thread_pool.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <memory>
#include <vector>

namespace berth::server {
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

// The listener's case: keep-alive connections, each holding a thread, beyond the core size.
TEST(ElasticThreadPoolTest, AnHttpServerAnswersMoreKeepAliveClientsThanCoreThreads) {
  httplib::Server server;
  server.new_task_queue = [] { return new ElasticThreadPool(2, 64, 60s); };
  server.set_keep_alive_timeout(30);
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&] { server.listen_after_bind(); });

  std::vector<std::unique_ptr<httplib::Client>> held;
  for (int i = 0; i < 8; ++i) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
    c->set_keep_alive(true);
    c->set_read_timeout(10, 0);
    auto res = c->Get("/");
    // Every one of them is answered, though only 2 threads were there to start with and each
    // connection keeps its thread while it stays open (30 s).
    ASSERT_TRUE(res) << "client " << i << ": " << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
    held.push_back(std::move(c));
  }
  held.clear();
  server.stop();
  serving.join();
}

}  // namespace
}  // namespace berth::server
