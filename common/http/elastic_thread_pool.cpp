#include "common/http/elastic_thread_pool.h"

#include <algorithm>

namespace berth::http {

ElasticThreadPool::ElasticThreadPool(size_t core, size_t max, std::chrono::milliseconds idleExit)
    : core_(std::max<size_t>(core, 1)),
      max_(std::max(max, std::max<size_t>(core, 1))),
      idleExit_(idleExit) {
  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < core_; ++i) spawnLocked();
}

ElasticThreadPool::~ElasticThreadPool() { shutdown(); }

void ElasticThreadPool::spawnLocked() {
  threads_.emplace_back();
  auto self = std::prev(threads_.end());
  *self = std::thread([this, self] { work(self); });
}

void ElasticThreadPool::enqueue(std::function<void()> fn) {
  std::vector<std::thread> done;
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(fn));
    // Queued jobs beyond the threads not running one would wait for a connection to end.
    if (jobs_.size() > threads_.size() - busy_ && threads_.size() < max_) spawnLocked();
    done.swap(retired_);
  }
  wake_.notify_one();
  for (auto& t : done) t.join();
}

void ElasticThreadPool::work(std::list<std::thread>::iterator self) {
  std::unique_lock lock(mutex_);
  while (true) {
    const bool woken = wake_.wait_for(lock, idleExit_, [&] { return stopping_ || !jobs_.empty(); });
    if (!jobs_.empty()) {
      auto fn = std::move(jobs_.front());
      jobs_.pop_front();
      ++busy_;
      lock.unlock();
      fn();
      lock.lock();
      --busy_;
      continue;
    }
    if (stopping_) return;
    if (!woken && threads_.size() > core_) {
      // Hand our own std::thread to whoever joins next; nothing of the pool is touched after
      // the lock is released on return.
      retired_.push_back(std::move(*self));
      threads_.erase(self);
      return;
    }
  }
}

void ElasticThreadPool::shutdown() {
  std::list<std::thread> live;
  std::vector<std::thread> done;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    live.swap(threads_);
  }
  wake_.notify_all();
  for (auto& t : live) t.join();
  std::lock_guard lock(mutex_);
  done.swap(retired_);
  for (auto& t : done) t.join();
}

size_t ElasticThreadPool::threadCount() {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

}  // namespace berth::http
