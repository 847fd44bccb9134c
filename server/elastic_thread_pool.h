#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace berth::server {

// httplib serves a connection on one pool thread for as long as the client keeps it alive, and
// containerd, kubelet and skopeo all do keep it alive. With a fixed pool of N threads the
// (N+1)th client waits until one of the first N hangs up or idles out (30 s), which in a cluster
// is every node past the pool size pulling at once. This pool keeps `core` threads and adds one
// for a connection that finds none idle, up to `max`; the added ones end after `idleExit` idle.
class ElasticThreadPool final : public httplib::TaskQueue {
 public:
  ElasticThreadPool(size_t core, size_t max, std::chrono::milliseconds idleExit);
  ~ElasticThreadPool() override;
  ElasticThreadPool(const ElasticThreadPool&) = delete;
  ElasticThreadPool& operator=(const ElasticThreadPool&) = delete;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

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
  std::list<std::thread> threads_;   // live threads
  std::vector<std::thread> retired_; // ended on their own, joined later by enqueue or shutdown
  size_t busy_ = 0;  // threads running a job
  bool stopping_ = false;
};

}  // namespace berth::server
