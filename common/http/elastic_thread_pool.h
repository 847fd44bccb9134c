#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace berth::http {

// Runs requests for the server: a request holds a thread from a complete head to the end of its
// response (a blob download can take minutes), so with a fixed pool of N threads the (N+1)th
// client would wait for one of the first N to finish, which in a cluster is every node past the
// pool size pulling at once. This pool keeps `core` threads and adds one for a job that finds
// none idle, up to `max`; the added ones end after `idleExit` idle. Further jobs queue.
class ElasticThreadPool final {
 public:
  ElasticThreadPool(size_t core, size_t max, std::chrono::milliseconds idleExit);
  ~ElasticThreadPool();
  ElasticThreadPool(const ElasticThreadPool&) = delete;
  ElasticThreadPool& operator=(const ElasticThreadPool&) = delete;

  void enqueue(std::function<void()> fn);
  // Runs what is queued, then joins every thread.
  void shutdown();

  size_t threadCount();  // live threads, for tests and metrics

 private:
  void work(std::list<std::thread>::iterator self);
  void spawnLocked();

  const size_t core_;
  const size_t max_;
  const std::chrono::milliseconds idleExit_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::list<std::thread> threads_;    // live threads
  std::vector<std::thread> retired_;  // ended on their own, joined later by enqueue or shutdown
  size_t busy_ = 0;                   // threads running a job
  bool stopping_ = false;
};

}  // namespace berth::http
